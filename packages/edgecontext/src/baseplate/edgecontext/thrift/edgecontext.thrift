// The edge request context: what the service at the edge learnt about the client, passed
// from service to service in the Edge-Request header (THeader) or X-Edge-Request (HTTP) as
// the binary-protocol serialization of a Request.
//
// Field ids and types are those of the original framework's baseplate.thrift, so headers
// made by services on either framework are read by the other.
//
// The Python code in this directory is generated from this file by
// tools/thrift-codegen.sh (`thrift -strict -gen py:slots`); do not edit it by hand.
// tools/check_thrift_generated.py verifies that the committed code matches this file.

namespace py baseplate.edgecontext.thrift
namespace go reddit.baseplate
namespace java com.reddit.baseplate

/** A raw authentication token (a JWT) as the authentication service issued it. */
typedef string AuthenticationToken

/** A two-letter ISO 3166-1 alpha-2 country code, e.g. "US". */
typedef string CountryCode

/** The logged-out user id cookie (LoID). */
struct Loid {
    /** The LoID, in fullname format ("t2_..."). */
    1: string id,
    /** When the LoID cookie was created, in milliseconds since the UNIX epoch. */
    2: i64 created_ms,
}

/** The client's session cookie. */
struct Session {
    1: string id,
}

/** The device the request came from. */
struct Device {
    1: string id,
}

/** The service at the edge that first handled the client's request. */
struct OriginService {
    1: string name,
}

/** Where the request came from. */
struct Geolocation {
    1: CountryCode country_code,
}

/** An id for the request that people can read, for logs and support. */
struct RequestId {
    1: string readable_id,
}

/** The edge request context. */
struct Request {
    1: Loid loid,
    2: Session session,
    3: AuthenticationToken authentication_token,
    4: Device device,
    5: OriginService origin_service,
    6: Geolocation geolocation,
    7: optional RequestId request_id,
}
