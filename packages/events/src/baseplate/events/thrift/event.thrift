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

/** The application an event happened in. */
struct App {
    /** The application's name. */
    1: optional string name,
}

/** The user an event is about. */
struct User {
    /** The user's account id (t2_...), or a logged-out user's id. */
    1: optional string user_id,
    /** Whether the user was logged in. */
    2: optional bool logged_in,
    /** When the user's tracking cookie was made, in milliseconds since the UNIX epoch. */
    3: optional i64 cookie_created_timestamp,
}

/** The experiment an event (a bucketing or exposure event) is about. */
struct Experiment {
    /** The experiment's id in the experiments file. */
    1: optional i64 id,
    /** The experiment's name. */
    2: optional string name,
    /** Who is responsible for the experiment. */
    3: optional string owner,
    /** The variant the user got. */
    4: optional string variant,
    /** The version of the experiment's configuration. */
    5: optional string version,
}

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
    /** The application, for events that name it. */
    6: optional App app,
    /** The user, for events about one. */
    7: optional User user,
    /** The experiment, for bucketing and exposure events. */
    8: optional Experiment experiment,
}
