// A minimal v2 event: the fields every event of the Thrift-schema pipeline carries.
//
// Services with their own event schema put their own Thrift structs on a v2 EventQueue
// (serialize_v2_event takes any struct); this one is for services without one, and for
// Baseplate's own tests and examples.
//
// The Python code in this directory is generated from this file by
// tools/thrift-codegen.sh (`thrift -strict -gen py:slots`); do not edit it by hand.
// tools/check_thrift_generated.py verifies that the committed code matches this file.

namespace py baseplate.events.thrift

/** One event of the v2 (Thrift schema) event pipeline. */
struct Event {
    /** What emitted the event, e.g. the service's name. */
    1: optional string source,
    /** What happened, e.g. "click". */
    2: optional string action,
    /** What it happened to, e.g. "button". */
    3: optional string noun,
    /** When the client saw it happen, in milliseconds since the UNIX epoch. */
    4: optional i64 client_timestamp,
    /** The event's unique identifier (a UUID in its canonical text form). */
    5: optional string uuid,
}
