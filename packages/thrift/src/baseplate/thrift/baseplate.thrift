// Definitions shared by every Baseplate service.
//
// The Python code in this directory is generated from this file by
// tools/thrift-codegen.sh (`thrift -strict -gen py:slots`); do not edit it by hand.
// tools/check_thrift_generated.py verifies that the committed code matches this file.
//
// The edge request context structures are not here: they belong to baseplate-edgecontext.

namespace py baseplate.thrift
namespace go reddit.baseplate
namespace java com.reddit.baseplate

/** The original health check, kept for callers that have not moved to V2. */
service BaseplateService {
    /** Return true if the service can serve requests; false or an exception means it cannot. */
    bool is_healthy(),
}

/** Which question a health check asks. */
enum IsHealthyProbe {
    /** Can the service take traffic now? A load balancer sends requests only when it can. */
    READINESS = 1,
    /** Is the process working at all? An orchestrator restarts it when it is not. */
    LIVENESS = 2,
    /** Has the service finished starting up? */
    STARTUP = 3,
}

/** The argument of BaseplateServiceV2.is_healthy. */
struct IsHealthyRequest {
    /** The probe being asked; a service treats an unset probe as READINESS. */
    1: optional IsHealthyProbe probe,
}

/** A health check that distinguishes readiness, liveness and startup probes. */
service BaseplateServiceV2 {
    /** Return true if the service is healthy for the probe in request. */
    bool is_healthy(1: IsHealthyRequest request),
}

/**
 * Well-known values for Error.code.
 *
 * They follow the HTTP status codes with the same meaning. Services may use their own codes
 * above USER_DEFINED, which is why Error.code is an i32 rather than this enum.
 */
enum ErrorCode {
    BAD_REQUEST = 400,
    UNAUTHORIZED = 401,
    PAYMENT_REQUIRED = 402,
    FORBIDDEN = 403,
    NOT_FOUND = 404,
    CONFLICT = 409,
    GONE = 410,
    PRECONDITION_FAILED = 412,
    PAYLOAD_TOO_LARGE = 413,
    IM_A_TEAPOT = 418,
    MISDIRECTED_REQUEST = 421,
    UNPROCESSABLE_ENTITY = 422,
    LOCKED = 423,
    FAILED_DEPENDENCY = 424,
    TOO_EARLY = 425,
    PRECONDITION_REQUIRED = 428,
    TOO_MANY_REQUESTS = 429,
    REQUEST_HEADER_FIELDS_TOO_LARGE = 431,
    UNAVAILABLE_FOR_LEGAL_REASONS = 451,

    INTERNAL_SERVER_ERROR = 500,
    NOT_IMPLEMENTED = 501,
    BAD_GATEWAY = 502,
    SERVICE_UNAVAILABLE = 503,
    TIMEOUT = 504,
    INSUFFICIENT_STORAGE = 507,
    LOOP_DETECTED = 508,

    USER_DEFINED = 1000,
}

/**
 * A general-purpose exception for services to declare in their IDL.
 *
 * Mutable on purpose: Thrift compilers since 0.14 make Python exceptions immutable, and an
 * immutable exception cannot pass through a contextlib.contextmanager (Python assigns its
 * __traceback__ there), which would turn every `with` block it crosses into a TypeError.
 */
exception Error {
    /** What went wrong: an ErrorCode value or a service-specific code. */
    1: optional i32 code,
    /** A human-readable description. */
    2: optional string message,
    /** Further machine-readable detail. */
    3: optional map<string, string> details,
} (python.immutable = "false")
