"""Tests for baseplate.context.thrift, end to end: a Baseplate client calling a Baseplate server.

The caller has a real Baseplate with a ThriftContextFactory on its context; the callee is the
baseplateified test service behind a real server. Both record their spans, so the tests can
check that the downstream server span continues the caller's client span.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from baseplate_thrift_testgen import TestService
from baseplate_thrift_testgen.ttypes import ExpectedException
from thrift.Thrift import TApplicationException
from thrift.transport.TTransport import TTransportException

from baseplate.config import Endpoint
from baseplate.context.thrift import ThriftClientProxy, ThriftContextFactory
from baseplate.core import Baseplate, RequestContext, ServerSpan, TraceInfo
from baseplate.core.testing import RecordedSpan, RecordingObserver
from baseplate.thrift_pool import ThriftConnectionPool

RETRY_EXHAUSTED = "retry policy exhausted while attempting example_service.example"


@dataclass
class Caller:
    """The upstream service in the middle of handling a request."""

    context: RequestContext
    span: ServerSpan
    recorder: RecordingObserver

    @property
    def client_spans(self) -> list[RecordedSpan]:
        (server_span,) = self.recorder.server_spans
        return server_span.children


def make_caller(
    endpoint: Any,
    trace_info: TraceInfo | None = None,
    *,
    w3c_tracecontext: bool = False,
    **pool_kwargs: Any,
) -> Caller:
    baseplate = Baseplate()
    recorder = RecordingObserver()
    baseplate.register(recorder)
    pool = ThriftConnectionPool(endpoint, **pool_kwargs)
    baseplate.add_to_context(
        "example_service",
        ThriftContextFactory(pool, TestService.Client, w3c_tracecontext=w3c_tracecontext),
    )
    context = RequestContext()
    span = baseplate.make_server_span(context, "upstream_handler", trace_info)
    span.start()
    return Caller(context, span, recorder)


class FlakyProcessor:
    """Drops the connection instead of answering the first ``failures`` messages."""

    def __init__(self, processor: Any, failures: int) -> None:
        self.processor = processor
        self.failures = failures

    def process(self, iprot: Any, oprot: Any) -> Any:
        if self.failures > 0:
            self.failures -= 1
            raise TTransportException(TTransportException.UNKNOWN, "dropping this connection")
        return self.processor.process(iprot, oprot)


@pytest.mark.integration
def test_call_returns_the_result(downstream: Callable[..., Any]) -> None:
    """A call on the context attribute reaches the service and returns its result."""
    service = downstream()
    caller = make_caller(service.server.endpoint)

    assert caller.context.example_service.example(21) == 42


@pytest.mark.integration
def test_client_span_is_named_after_attribute_and_method(downstream: Callable[..., Any]) -> None:
    """Each call is a finished child span of the request named <attribute>.<method>."""
    service = downstream()
    caller = make_caller(service.server.endpoint)

    caller.context.example_service.example(2)
    caller.context.example_service.is_healthy()

    expected = ["example_service.example", "example_service.is_healthy"]
    assert expected == [s.name for s in caller.client_spans]
    for span in caller.client_spans:
        assert (span.started, span.finished, span.exc_info) == (1, 1, None)
        assert span.parent_id == caller.span.id


@pytest.mark.integration
def test_downstream_server_span_continues_the_client_span(downstream: Callable[..., Any]) -> None:
    """The callee's server span has the caller's trace, the client span's id and its parent."""
    service = downstream()
    caller = make_caller(
        service.server.endpoint, TraceInfo.from_upstream(1111, 2222, 3333, True, 1)
    )

    caller.context.example_service.example(3)

    (client_span,) = caller.client_spans
    (server_span,) = service.recorder.server_spans
    assert server_span.name == "example"
    expected = (1111, caller.span.id, client_span.id, True, 1)
    actual = (
        server_span.trace_id,
        server_span.parent_id,
        server_span.id,
        server_span.sampled,
        server_span.flags,
    )
    assert expected == actual
    assert caller.span.id == 3333


@pytest.mark.integration
def test_trace_headers_sent_downstream(downstream: Callable[..., Any]) -> None:
    """Trace, Parent and Span are decimal; Sampled is 1 or 0; Flags only when set."""
    service = downstream()
    caller = make_caller(service.server.endpoint, TraceInfo.from_upstream(10, 20, 30, False, 0))

    caller.context.example_service.example(3)

    (client_span,) = caller.client_spans
    (call,) = service.handler.calls
    expected = {
        "trace": b"10",
        "parent": b"30",
        "span": str(client_span.id).encode(),
        "sampled": b"0",
    }
    assert expected == {k: v for k, v in call.headers.items() if k in TRACE_HEADER_NAMES}


TRACE_HEADER_NAMES = {"trace", "parent", "span", "sampled", "flags", "traceparent"}


@pytest.mark.integration
def test_undecided_sampling_sends_no_sampled_header(downstream: Callable[..., Any]) -> None:
    """With sampled None and no flags, neither Sampled nor Flags is sent."""
    service = downstream()
    caller = make_caller(service.server.endpoint)  # a new trace: sampled None, flags None

    caller.context.example_service.example(3)

    (call,) = service.handler.calls
    assert "sampled" not in call.headers
    assert "flags" not in call.headers
    (server_span,) = service.recorder.server_spans
    assert (server_span.sampled, server_span.flags) == (None, None)
    assert server_span.trace_id == caller.span.trace_id


@pytest.mark.integration
def test_edge_request_context_is_forwarded(downstream: Callable[..., Any]) -> None:
    """The caller's raw edge request context travels on as the Edge-Request header."""
    service = downstream()
    caller = make_caller(service.server.endpoint)
    caller.context.raw_request_context = b"\x0c\x00\x01\x00\x00"

    caller.context.example_service.example(3)

    (call,) = service.handler.calls
    assert call.raw_request_context == b"\x0c\x00\x01\x00\x00"


@pytest.mark.integration
def test_no_edge_request_context_sends_no_header(downstream: Callable[..., Any]) -> None:
    """Without an edge request context there is no Edge-Request header."""
    service = downstream()
    caller = make_caller(service.server.endpoint)

    caller.context.example_service.example(3)

    (call,) = service.handler.calls
    assert "edge-request" not in call.headers
    assert call.raw_request_context is None


@pytest.mark.integration
def test_w3c_traceparent_is_sent_when_enabled(downstream: Callable[..., Any]) -> None:
    """With w3c_tracecontext=True the client also sends the child span as traceparent."""
    service = downstream()
    caller = make_caller(
        service.server.endpoint,
        TraceInfo.from_upstream(0xABC, None, 0x123, True, None),
        w3c_tracecontext=True,
    )

    caller.context.example_service.example(3)

    (client_span,) = caller.client_spans
    (call,) = service.handler.calls
    expected = f"00-{0xABC:032x}-{client_span.id:016x}-01".encode()
    assert expected == call.headers["traceparent"]


@pytest.mark.integration
def test_no_traceparent_by_default(downstream: Callable[..., Any]) -> None:
    """Without w3c_tracecontext no traceparent header is sent."""
    service = downstream()
    caller = make_caller(service.server.endpoint)

    caller.context.example_service.example(3)

    (call,) = service.handler.calls
    assert "traceparent" not in call.headers


@pytest.mark.integration
def test_traceparent_alone_links_the_trace(downstream: Callable[..., Any]) -> None:
    """A W3C-only downstream continues the trace from traceparent (low 64 bits of trace id)."""
    service = downstream(w3c_tracecontext=True)
    caller = make_caller(
        service.server.endpoint,
        TraceInfo.from_upstream(0xABC, None, 0x123, False, None),
        w3c_tracecontext=True,
    )

    caller.context.example_service.example(3)

    (client_span,) = caller.client_spans
    (server_span,) = service.recorder.server_spans
    # The Baseplate headers are present too, so they are the ones the server adopted.
    expected = (0xABC, 0x123, client_span.id, False)
    actual = (server_span.trace_id, server_span.parent_id, server_span.id, server_span.sampled)
    assert expected == actual


@pytest.mark.integration
def test_declared_exception_is_not_a_client_error(downstream: Callable[..., Any]) -> None:
    """An IDL exception propagates, finishes the span without error and is not retried."""
    service = downstream()
    caller = make_caller(service.server.endpoint)

    with (
        caller.context.example_service.retrying(attempts=3) as svc,
        pytest.raises(ExpectedException, match="negative"),
    ):
        svc.example(-2)

    (client_span,) = caller.client_spans
    assert client_span.exc_info is None
    assert len(service.handler.calls) == 1


@pytest.mark.integration
def test_application_exception_is_a_client_error(downstream: Callable[..., Any]) -> None:
    """A TApplicationException propagates, is recorded as the error and is not retried."""
    service = downstream()
    caller = make_caller(service.server.endpoint)

    with (
        caller.context.example_service.retrying(attempts=3) as svc,
        pytest.raises(TApplicationException),
    ):
        svc.example(0)

    (client_span,) = caller.client_spans
    assert client_span.exc_info is not None
    assert client_span.exc_info[0] is TApplicationException
    assert len(service.handler.calls) == 1


@pytest.mark.integration
def test_transport_error_is_retried(downstream: Callable[..., Any]) -> None:
    """A transport error finishes that attempt's span with the error; the retry succeeds."""
    service = downstream(wrap=lambda processor: FlakyProcessor(processor, failures=1))
    caller = make_caller(service.server.endpoint)

    with caller.context.example_service.retrying(attempts=3) as svc:
        assert svc.example(4) == 8

    first, second = caller.client_spans
    assert (first.name, second.name) == ("example_service.example",) * 2
    assert first.exc_info is not None
    assert first.exc_info[0] is TTransportException
    assert second.exc_info is None
    assert first.id != second.id
    (server_span,) = service.recorder.server_spans
    assert server_span.id == second.id


@pytest.mark.integration
def test_retry_exhaustion_raises_timed_out(downstream: Callable[..., Any]) -> None:
    """When every attempt fails, TIMED_OUT names the call and the last error."""
    service = downstream(wrap=lambda processor: FlakyProcessor(processor, failures=100))
    caller = make_caller(service.server.endpoint)

    with (
        caller.context.example_service.retrying(attempts=3, backoff=0.001) as svc,
        pytest.raises(TTransportException, match=RETRY_EXHAUSTED + ", last error was: ") as info,
    ):
        svc.example(4)

    assert info.value.type == TTransportException.TIMED_OUT
    assert isinstance(info.value.__cause__, TTransportException)
    expected = 3
    assert expected == len(caller.client_spans)
    assert all(span.exc_info is not None for span in caller.client_spans)


@pytest.mark.integration
def test_without_retrying_one_attempt_is_made(downstream: Callable[..., Any]) -> None:
    """The plain proxy tries once, then reports the exhausted policy."""
    service = downstream(wrap=lambda processor: FlakyProcessor(processor, failures=1))
    caller = make_caller(service.server.endpoint)

    with pytest.raises(TTransportException, match=RETRY_EXHAUSTED):
        caller.context.example_service.example(4)

    expected = 1
    assert expected == len(caller.client_spans)
    assert caller.context.example_service.example(4) == 8


@pytest.mark.integration
def test_slow_calls_time_out_and_are_retried(downstream: Callable[..., Any]) -> None:
    """A call slower than the pool timeout is a transport error, retried per the policy."""
    service = downstream()
    caller = make_caller(service.server.endpoint, timeout=0.1)

    with (
        caller.context.example_service.retrying(attempts=2) as svc,
        pytest.raises(TTransportException, match="retry policy exhausted") as info,
    ):
        svc.wait(400)

    assert info.value.type == TTransportException.TIMED_OUT
    expected = ["example_service.wait", "example_service.wait"]
    assert expected == [s.name for s in caller.client_spans]
    cause = info.value.__cause__
    assert isinstance(cause, TTransportException)
    assert cause.type == TTransportException.TIMED_OUT


@pytest.mark.integration
def test_proxy_has_one_method_per_service_method(downstream: Callable[..., Any]) -> None:
    """The proxy offers the service's methods (base services' included) and nothing else."""
    service = downstream()
    caller = make_caller(service.server.endpoint)

    proxy = caller.context.example_service

    assert isinstance(proxy, ThriftClientProxy)
    public = {name for name in dir(proxy) if not name.startswith("_")}
    expected = {"example", "wait", "is_healthy", "retrying"}
    assert expected == public


@pytest.mark.integration
def test_retrying_validates_the_policy(downstream: Callable[..., Any]) -> None:
    """retrying() takes RetryPolicy.new's arguments and rejects bad ones."""
    service = downstream()
    caller = make_caller(service.server.endpoint)

    with pytest.raises(ValueError, match="attempts must be a positive integer, got 0"):
        caller.context.example_service.retrying(attempts=0)


def test_factory_needs_a_generated_client() -> None:
    """A class without an Iface base is refused."""
    pool = ThriftConnectionPool(Endpoint("127.0.0.1:9090"))
    with pytest.raises(TypeError, match="client class generated by the Thrift compiler"):
        ThriftContextFactory(pool, dict)
