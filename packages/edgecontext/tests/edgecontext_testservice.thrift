// A service for baseplate-edgecontext's end-to-end tests. The Python code in
// edgecontext_testgen/ is generated from this file by tools/thrift-codegen.sh; do not edit
// it by hand.

namespace py edgecontext_testgen

/** The edge request context as one service saw it. */
struct EdgeView {
    /** The authenticated account id; unset when the user is not logged in. */
    1: optional string user_id,
    2: bool logged_in,
    3: optional string loid,
    4: optional string session_id,
    5: optional string device_id,
    6: optional string origin_service,
    7: optional string country_code,
    8: optional string request_id,
    9: optional string oauth_client_id,
    10: list<string> roles,
}

service EdgeContextTestService {
    /** Describe the edge context of this call. */
    EdgeView describe(),

    /** Call the downstream service's describe() and return what it saw. */
    EdgeView relay(),
}
