"""Tests for baseplate.integration.thrift: a baseplateified processor behind a real server.

Clients here are plain Thrift clients over real sockets, setting THeader headers by hand, so
that the headers on the wire are exactly the ones each test names.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from baseplate_thrift_testgen import TestService
from baseplate_thrift_testgen.ttypes import ExpectedException
from thrift.protocol.TBinaryProtocol import TBinaryProtocol
from thrift.protocol.THeaderProtocol import THeaderProtocolFactory
from thrift.Thrift import TApplicationException
from thrift.transport.TSocket import TSocket
from thrift.transport.TTransport import TBufferedTransport, TFramedTransport

from baseplate.core import Baseplate, RequestContext
from baseplate.integration.thrift import BaseplateProcessor, baseplateify_processor

LOGGER_NAME = "test.downstream"


@contextlib.contextmanager
def header_client(endpoint: Any, headers: dict[bytes, bytes] | None = None) -> Iterator[Any]:
    """A THeader TestService client whose next call carries ``headers``."""
    sock = TSocket(endpoint.address.host, endpoint.address.port)
    sock.setTimeout(5000)
    transport = TBufferedTransport(sock)
    transport.open()
    protocol = THeaderProtocolFactory().getProtocol(transport)
    for key, value in (headers or {}).items():
        protocol.set_header(key, value)
    try:
        yield TestService.Client(protocol)
    finally:
        transport.close()


def call_with_headers(downstream: Any, headers: dict[bytes, bytes]) -> Any:
    """Call example(21) with the given headers and return the recorded server span."""
    with header_client(downstream.server.endpoint, headers) as client:
        assert client.example(21) == 42
    (span,) = downstream.recorder.server_spans
    return span


@pytest.mark.integration
def test_server_span_is_named_after_the_method(downstream: Callable[..., Any]) -> None:
    """Each call gets a started and finished server span named after the Thrift method."""
    service = downstream()

    span = call_with_headers(service, {})

    assert span.name == "example"
    assert (span.started, span.finished) == (1, 1)
    assert span.exc_info is None


@pytest.mark.integration
def test_handler_receives_a_request_context(downstream: Callable[..., Any]) -> None:
    """The handler is called with a RequestContext whose trace is the server span."""
    service = downstream()

    span = call_with_headers(service, {})

    (call,) = service.handler.calls
    assert type(call.context) is RequestContext
    assert call.context.trace.id == span.id
    assert call.context.trace.name == "example"


@pytest.mark.integration
def test_each_call_gets_its_own_context(downstream: Callable[..., Any]) -> None:
    """Two calls on one connection get two contexts and two spans."""
    service = downstream()
    with header_client(service.server.endpoint) as client:
        client.example(2)
        client.example(3)

    first, second = service.handler.calls
    assert first.context is not second.context
    assert len(service.recorder.server_spans) == 2


@pytest.mark.integration
def test_inherited_method_is_served(downstream: Callable[..., Any]) -> None:
    """A method of a base service (is_healthy) goes through the same lifecycle."""
    service = downstream()
    with header_client(service.server.endpoint) as client:
        assert client.is_healthy() is True

    (span,) = service.recorder.server_spans
    assert span.name == "is_healthy"


@pytest.mark.integration
@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param(
            {
                b"Trace": b"1234",
                b"Span": b"5678",
                b"Parent": b"9012",
                b"Sampled": b"1",
                b"Flags": b"1",
            },
            (1234, 9012, 5678, True, 1),
            id="decimal",
        ),
        pytest.param(
            {b"trace": b"1234", b"SPAN": b"5678", b"pArEnT": b"9012", b"sampled": b"0"},
            (1234, 9012, 5678, False, None),
            id="names-in-any-case",
        ),
        pytest.param(
            {b"Trace": b"1", b"Span": b"2", b"Parent": b"3"},
            (1, 3, 2, None, None),  # without Sampled and Flags both stay undecided
            id="no-sampled-no-flags",
        ),
        pytest.param(
            {
                b"B3-TraceId": b"1234",
                b"B3-SpanId": b"5678",
                b"B3-ParentSpanId": b"9012",
                b"B3-Sampled": b"1",
                b"B3-Flags": b"1",
            },
            (1234, 9012, 5678, True, 1),
            id="b3-aliases-decimal",
        ),
        pytest.param(
            # As Zipkin clients send them; a 128-bit trace ID keeps its low 64 bits.
            {
                b"b3-traceid": b"463ac35c9f6413ad48485a3953bb6124",
                b"b3-spanid": b"a2fb4a1d1a96d312",
                b"b3-parentspanid": b"0020000000000001",
                b"b3-sampled": b"1",
            },
            (0x48485A3953BB6124, 0x0020000000000001, 0xA2FB4A1D1A96D312, True, None),
            id="b3-aliases-hex",
        ),
    ],
)
def test_trace_headers_are_adopted(
    downstream: Callable[..., Any], headers: dict[bytes, bytes], expected: tuple[Any, ...]
) -> None:
    """Trace, Span, Parent, Sampled and Flags (names in any case), or their B3-* aliases in
    decimal or hex, become the server span's trace id, parent id, id, sampled and flags."""
    service = downstream()

    span = call_with_headers(service, headers)

    assert expected == (span.trace_id, span.parent_id, span.id, span.sampled, span.flags)


@pytest.mark.integration
def test_malformed_trace_headers_start_a_new_trace(
    downstream: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    """Unparseable trace headers are logged at debug level and a fresh trace begins."""
    service = downstream()
    caplog.set_level(logging.DEBUG, logger=LOGGER_NAME)

    span = call_with_headers(service, {b"Trace": b"not-a-number", b"Span": b"2"})

    assert span.parent_id is None
    assert span.trace_id == span.id
    assert span.trace_id != 2
    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER_NAME]
    assert any("malformed trace headers" in m for m in messages), messages


W3C_TRACEPARENT = b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.mark.integration
def test_traceparent_is_adopted_when_enabled(downstream: Callable[..., Any]) -> None:
    """With w3c_tracecontext=True a traceparent header continues the caller's trace."""
    service = downstream(w3c_tracecontext=True)

    span = call_with_headers(service, {b"traceparent": W3C_TRACEPARENT})

    expected = (0x8448EB211C80319C, None, 0xB7AD6B7169203331, True)
    assert expected == (span.trace_id, span.parent_id, span.id, span.sampled)


@pytest.mark.integration
def test_traceparent_is_ignored_by_default(downstream: Callable[..., Any]) -> None:
    """Without w3c_tracecontext the traceparent header means nothing."""
    service = downstream()

    span = call_with_headers(service, {b"traceparent": W3C_TRACEPARENT})

    assert span.trace_id != 0x8448EB211C80319C
    assert span.parent_id is None


def _w3c_in_baseplate(setting: bool) -> Callable[[Any], Any]:
    def wrap(processor: Any) -> Any:
        processor.baseplate.w3c_tracecontext = setting
        return processor

    return wrap


@pytest.mark.integration
@pytest.mark.parametrize(
    ("baseplate_setting", "argument", "adopted"),
    [(True, None, True), (False, None, False), (True, False, False), (False, True, True)],
)
def test_traceparent_follows_the_baseplate_setting_unless_told(
    downstream: Callable[..., Any], baseplate_setting: bool, argument: bool | None, adopted: bool
) -> None:
    """By default the processor does what baseplate.w3c_tracecontext (the config) says."""
    service = downstream(wrap=_w3c_in_baseplate(baseplate_setting), w3c_tracecontext=argument)

    span = call_with_headers(service, {b"traceparent": W3C_TRACEPARENT})

    assert adopted == (span.trace_id == 0x8448EB211C80319C)


@pytest.mark.integration
def test_baseplate_headers_win_over_traceparent(downstream: Callable[..., Any]) -> None:
    """traceparent is only used when no Baseplate or B3 trace header is present."""
    service = downstream(w3c_tracecontext=True)

    span = call_with_headers(
        service,
        {b"Trace": b"77", b"Span": b"88", b"Parent": b"99", b"traceparent": W3C_TRACEPARENT},
    )

    expected = (77, 99, 88)
    assert expected == (span.trace_id, span.parent_id, span.id)


@pytest.mark.integration
def test_malformed_traceparent_starts_a_new_trace(downstream: Callable[..., Any]) -> None:
    """A malformed traceparent is ignored like malformed Baseplate headers."""
    service = downstream(w3c_tracecontext=True)

    span = call_with_headers(service, {b"traceparent": b"00-zz-yy-01"})

    assert span.parent_id is None
    assert span.trace_id == span.id


@pytest.mark.integration
def test_edge_request_header_is_kept_raw(downstream: Callable[..., Any]) -> None:
    """The Edge-Request header's bytes are available as context.raw_request_context."""
    service = downstream()
    payload = b"\x0c\x00\x01\x0b\x00\x01\x00\x00\x00\x05t2_ab\x00\x00"

    call_with_headers(service, {b"Edge-Request": payload})

    (call,) = service.handler.calls
    assert payload == call.raw_request_context


@pytest.mark.integration
def test_no_edge_request_header_means_none(downstream: Callable[..., Any]) -> None:
    """Without the header, raw_request_context is None."""
    service = downstream()

    call_with_headers(service, {})

    (call,) = service.handler.calls
    assert call.raw_request_context is None


class FakeEdgeContextFactory:
    """Records what the integration asks of an edge context factory."""

    def __init__(self) -> None:
        self.payloads: list[bytes | None] = []

    def from_upstream(self, payload: bytes | None) -> Any:
        self.payloads.append(payload)
        factory = self

        class EdgeContext:
            def attach_context(self, context: Any) -> None:
                context.request_context = ("parsed", payload, factory)

        return EdgeContext()


@pytest.mark.integration
def test_edge_context_factory_parses_and_attaches(downstream: Callable[..., Any]) -> None:
    """With a factory, from_upstream(raw) is called and its result attached to the context."""
    factory = FakeEdgeContextFactory()
    service = downstream(edge_context_factory=factory)

    call_with_headers(service, {b"edge-request": b"edge-bytes"})

    (call,) = service.handler.calls
    expected = [b"edge-bytes"]
    assert expected == factory.payloads
    assert ("parsed", b"edge-bytes", factory) == call.context.request_context
    assert call.raw_request_context == b"edge-bytes"


@pytest.mark.integration
def test_request_headers_are_on_the_context(downstream: Callable[..., Any]) -> None:
    """context.headers holds the request's headers under lower-cased names."""
    service = downstream()

    call_with_headers(service, {b"User-Agent": b"tests", b"Trace": b"5", b"Span": b"6"})

    (call,) = service.handler.calls
    assert call.headers["user-agent"] == b"tests"
    assert call.headers["trace"] == b"5"


@pytest.mark.integration
def test_declared_exception_finishes_span_without_error(downstream: Callable[..., Any]) -> None:
    """An exception the IDL declares reaches the client and is not a span error."""
    service = downstream()
    with header_client(service.server.endpoint) as client, pytest.raises(ExpectedException) as info:
        client.example(-5)

    assert info.value.message == "negative: -5"
    (span,) = service.recorder.server_spans
    assert span.finished == 1
    assert span.exc_info is None


@pytest.mark.integration
def test_unexpected_exception_finishes_span_with_error(downstream: Callable[..., Any]) -> None:
    """Any other exception is recorded on the span; the client sees an internal error."""
    service = downstream()
    with header_client(service.server.endpoint) as client:
        error = pytest.raises(TApplicationException)
        with error as info:
            client.example(0)

    assert info.value.type == TApplicationException.INTERNAL_ERROR
    (span,) = service.recorder.server_spans
    assert span.finished == 1
    assert span.exc_info is not None
    assert span.exc_info[0] is ValueError
    assert str(span.exc_info[1]) == "zero is not allowed"


@pytest.mark.integration
def test_application_exception_is_a_span_error(downstream: Callable[..., Any]) -> None:
    """A TApplicationException from the handler is an error, though Thrift relays it."""
    service = downstream()
    expected_error = pytest.raises(TApplicationException, match="one is odd")
    with header_client(service.server.endpoint) as client, expected_error:
        client.example(1)

    (span,) = service.recorder.server_spans
    assert span.exc_info is not None
    assert span.exc_info[0] is TApplicationException


@pytest.mark.integration
@pytest.mark.parametrize(
    "transport_class",
    [pytest.param(TFramedTransport, id="framed"), pytest.param(TBufferedTransport, id="unframed")],
)
def test_plain_binary_client_is_served(
    downstream: Callable[..., Any], transport_class: type[Any]
) -> None:
    """A client using TBinaryProtocol (no THeader), framed or not, gets answers and the
    service's declared exceptions, each call a server span."""
    service = downstream()
    endpoint = service.server.endpoint
    sock = TSocket(endpoint.address.host, endpoint.address.port)
    sock.setTimeout(5000)
    transport = transport_class(sock)
    transport.open()
    try:
        client = TestService.Client(TBinaryProtocol(transport))
        assert client.example(4) == 8
        assert client.example(5) == 10
        with pytest.raises(ExpectedException):
            client.example(-1)
    finally:
        transport.close()

    expected = ["example", "example", "example"]
    assert expected == [s.name for s in service.recorder.server_spans]
    first, _, raised_declared = service.recorder.server_spans
    assert first.parent_id is None
    assert raised_declared.exc_info is None


@pytest.mark.integration
def test_processor_knows_its_baseplate(downstream: Callable[..., Any]) -> None:
    """processor.baseplate is set, on the returned processor and on the one passed in."""
    service = downstream()

    assert isinstance(service.processor, BaseplateProcessor)
    assert service.processor.baseplate is service.baseplate
    assert service.original_processor.baseplate is service.baseplate


def test_non_generated_processor_is_refused() -> None:
    """Only processors generated by the Thrift compiler can be wrapped."""
    with pytest.raises(TypeError, match="expected a processor generated by the Thrift compiler"):
        baseplateify_processor(object(), logging.getLogger(LOGGER_NAME), Baseplate())
