"""Tests for baseplate.thrift: the shared IDL's generated code, used over a real socket."""

from __future__ import annotations

import logging
import pathlib
from collections.abc import Callable
from typing import Any

import pytest
from thrift.protocol.THeaderProtocol import THeaderProtocolFactory
from thrift.protocol.TProtocol import TProtocolException
from thrift.Thrift import TApplicationException, TException, TType
from thrift.transport.TSocket import TSocket
from thrift.transport.TTransport import TBufferedTransport

import baseplate.thrift
from baseplate.core import Baseplate
from baseplate.integration.thrift import baseplateify_processor
from baseplate.thrift import BaseplateService, BaseplateServiceV2
from baseplate.thrift.ttypes import Error, ErrorCode, IsHealthyProbe, IsHealthyRequest

THRIFT_DIR = pathlib.Path(baseplate.thrift.__file__).parent

# ErrorCode's codes: the HTTP status each is named after (TIMEOUT is 504), and USER_DEFINED.
# Other Baseplate services send these numbers, so none may change.
EXPECTED_ERROR_CODES = {
    "BAD_REQUEST": 400,
    "UNAUTHORIZED": 401,
    "PAYMENT_REQUIRED": 402,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "GONE": 410,
    "PRECONDITION_FAILED": 412,
    "PAYLOAD_TOO_LARGE": 413,
    "IM_A_TEAPOT": 418,
    "MISDIRECTED_REQUEST": 421,
    "UNPROCESSABLE_ENTITY": 422,
    "LOCKED": 423,
    "FAILED_DEPENDENCY": 424,
    "TOO_EARLY": 425,
    "PRECONDITION_REQUIRED": 428,
    "TOO_MANY_REQUESTS": 429,
    "REQUEST_HEADER_FIELDS_TOO_LARGE": 431,
    "UNAVAILABLE_FOR_LEGAL_REASONS": 451,
    "INTERNAL_SERVER_ERROR": 500,
    "NOT_IMPLEMENTED": 501,
    "BAD_GATEWAY": 502,
    "SERVICE_UNAVAILABLE": 503,
    "TIMEOUT": 504,
    "INSUFFICIENT_STORAGE": 507,
    "LOOP_DETECTED": 508,
    "USER_DEFINED": 1000,
}


def test_idl_ships_inside_the_package() -> None:
    """The IDL file is installed next to the generated code, for other services to include."""
    idl = (THRIFT_DIR / "baseplate.thrift").read_text()

    assert "namespace py baseplate.thrift" in idl
    assert "service BaseplateServiceV2" in idl


def test_generated_code_has_no_edge_context_structs() -> None:
    """The edge-context structures belong to baseplate-edgecontext, not this IDL."""
    import baseplate.thrift.ttypes as ttypes

    for name in ("Request", "Loid", "Session", "Device", "OriginService", "Geolocation"):
        assert not hasattr(ttypes, name), name


def test_error_codes_match_http_statuses() -> None:
    """ErrorCode has exactly these names and values (the wire format other services share)."""
    expected = EXPECTED_ERROR_CODES
    assert expected == dict(ErrorCode._NAMES_TO_VALUES)


def test_is_healthy_probe_values() -> None:
    """IsHealthyProbe is READINESS=1, LIVENESS=2, STARTUP=3."""
    expected = {"READINESS": 1, "LIVENESS": 2, "STARTUP": 3}
    assert expected == dict(IsHealthyProbe._NAMES_TO_VALUES)


def test_is_healthy_request_probe_is_optional_field_one() -> None:
    """IsHealthyRequest has one optional i32-encoded enum field, probe, with id 1."""
    expected = (1, TType.I32, "probe", None, None)
    assert expected == IsHealthyRequest.thrift_spec[1]
    assert IsHealthyRequest().probe is None


def test_error_fields() -> None:
    """Error is an exception with optional code (i32), message and details (map)."""
    error = Error(code=ErrorCode.NOT_FOUND, message="no such thing", details={"id": "7"})

    assert isinstance(error, TException)
    expected = [(1, TType.I32, "code"), (2, TType.STRING, "message"), (3, TType.MAP, "details")]
    assert expected == [field[:3] for field in Error.thrift_spec[1:]]
    assert error.code == 404


def test_services_define_is_healthy() -> None:
    """V1's is_healthy takes no argument; V2's takes an IsHealthyRequest."""
    assert callable(BaseplateService.Iface.is_healthy)
    assert callable(BaseplateServiceV2.Iface.is_healthy)
    field = BaseplateServiceV2.is_healthy_args.thrift_spec[1]
    expected = (1, TType.STRUCT, "request", IsHealthyRequest)
    assert expected == (*field[:3], field[3][0])


class HealthHandler:
    """A handler for both health services that records the probes it was asked."""

    def __init__(self) -> None:
        self.probes: list[int | None] = []

    def is_healthy(self, context: Any, request: Any = None) -> bool:
        if request is not None:
            self.probes.append(request.probe)
            if request.probe == IsHealthyProbe.STARTUP:
                raise Error(code=ErrorCode.SERVICE_UNAVAILABLE, message="starting")
        return True


def _header_client(client_cls: Any, endpoint: Any) -> tuple[Any, Any]:
    sock = TSocket(endpoint.address.host, endpoint.address.port)
    sock.setTimeout(5000)
    transport = TBufferedTransport(sock)
    transport.open()
    return client_cls(THeaderProtocolFactory().getProtocol(transport)), transport


@pytest.mark.integration
def test_v2_health_check_over_a_real_connection(serve_thrift: Callable[..., Any]) -> None:
    """A V2 client can ask a served V2 processor each probe; Error travels back as declared."""
    handler = HealthHandler()
    processor = baseplateify_processor(
        BaseplateServiceV2.Processor(handler), logging.getLogger(__name__), Baseplate()
    )
    server = serve_thrift(processor)
    client, transport = _header_client(BaseplateServiceV2.Client, server.endpoint)
    try:
        assert client.is_healthy(IsHealthyRequest(probe=IsHealthyProbe.READINESS))
        assert client.is_healthy(IsHealthyRequest(probe=IsHealthyProbe.LIVENESS))
        assert client.is_healthy(IsHealthyRequest())
        with pytest.raises((TApplicationException, TProtocolException)):
            # Error is not declared by is_healthy, so the server reports an internal error.
            client.is_healthy(IsHealthyRequest(probe=IsHealthyProbe.STARTUP))
    finally:
        transport.close()

    expected = [1, 2, None, 3]
    assert expected == handler.probes


@pytest.mark.integration
def test_v1_health_check_over_a_real_connection(serve_thrift: Callable[..., Any]) -> None:
    """The original BaseplateService.is_healthy still works."""
    processor = baseplateify_processor(
        BaseplateService.Processor(HealthHandler()), logging.getLogger(__name__), Baseplate()
    )
    server = serve_thrift(processor)
    client, transport = _header_client(BaseplateService.Client, server.endpoint)
    try:
        assert client.is_healthy() is True
    finally:
        transport.close()


def test_error_can_cross_a_contextmanager():
    """Error is generated mutable, so Python can set its traceback inside contextlib."""
    import contextlib

    from baseplate.thrift.ttypes import Error

    @contextlib.contextmanager
    def passthrough():
        yield

    with pytest.raises(Error) as caught, passthrough():
        raise Error(code=503, message="busy")
    assert (caught.value.code, caught.value.message) == (503, "busy")
