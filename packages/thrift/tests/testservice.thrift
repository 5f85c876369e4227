// A service for baseplate-thrift's tests. The Python code in baseplate_thrift_testgen/ is
// generated from this file by tools/thrift-codegen.sh; do not edit it by hand.

include "../src/baseplate/thrift/baseplate.thrift"

namespace py baseplate_thrift_testgen

/** The exception the IDL declares: raising it is an expected outcome. */
exception ExpectedException {
    1: optional string message,
} (python.immutable = "false")

/** Inherits is_healthy, so client proxies must find methods on base interfaces too. */
service TestService extends baseplate.BaseplateService {
    /** Behaviour is up to the test's handler. */
    i32 example(1: i32 x) throws (1: ExpectedException exc),

    /** Wait the given number of milliseconds, then return; used to provoke timeouts. */
    void wait(1: i32 milliseconds),
}
