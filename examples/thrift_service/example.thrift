/*
 * The example Thrift service that baseplate-serve runs in examples/thrift_service.
 *
 * It extends BaseplateServiceV2, so baseplate-healthcheck can check it, and adds two methods
 * of its own. Regenerate the Python code in example_thrift/ with tools/thrift-codegen.sh.
 */

include "baseplate.thrift"

namespace py examples.thrift_service.example_thrift

/** The trace context of the server span that handled a request. IDs are decimal strings. */
struct SpanInfo {
    1: string trace_id,
    2: string span_id,
    3: optional string parent_id,
    4: optional bool sampled,
}

service ExampleService extends baseplate.BaseplateServiceV2 {
    /** Say hello to someone. */
    string greet(1: string name),

    /** Describe the server span handling this very call. */
    SpanInfo whoami(),
}
