"""Tests of BaseplateConfigurator (baseplate.integration.pyramid._configurator): the server
span each routed request gets, the trace and edge-context headers it reads when trusted, its
tags, the context factories as request attributes, and its arguments."""

from __future__ import annotations

import base64
import gc
import logging
from dataclasses import dataclass, field
from typing import Any

import pytest
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationExecutionError
from pyramid.request import Request

from baseplate.core import (
    Baseplate,
    BaseplateObserver,
    RequestContext,
    ServerSpan,
    Span,
    SpanObserver,
)
from baseplate.core.testing import RecordedSpan
from baseplate.integration.pyramid import (
    BaseplateConfigurator,
    HeaderTrustHandler,
    ServerSpanInitialized,
    StaticTrustHandler,
)

TRUST_ALL = StaticTrustHandler(trust_headers=True)


RAW_EDGE_PAYLOAD = b"\x0c\x00\x01\x0b\x00\x01\x00\x00\x00\x05t2_ab\x00\x00"
EDGE_HEADER = base64.b64encode(RAW_EDGE_PAYLOAD).decode()

#: Trusted, these headers put the request in trace 1234 as span 3456, child of 2345.
TRACE_HEADERS = {"X-Trace": "1234", "X-Span": "3456", "X-Parent": "2345"}


def ids(span: RecordedSpan) -> tuple[int | None, int | None, int | None, bool | None]:
    """A recorded span's trace id, span id, parent id and sampling decision."""
    return span.trace_id, span.id, span.parent_id, span.sampled


@dataclass
class StubEdgeContext:
    payload: bytes | None
    attached_to: list[Any] = field(default_factory=list)

    def attach_context(self, context: Any) -> None:
        self.attached_to.append(context)
        context.request_context = self
        context.raw_request_context = self.payload


class StubEdgeContextFactory:
    """Stands in for baseplate-edgecontext's EdgeRequestContextFactory.

    baseplate-pyramid does not depend on the real one, so this stub records the payload
    it is given and attaches itself the way the real one does: as ``request_context`` and
    ``raw_request_context`` (docs/pyramid.rst).
    """

    def __init__(self) -> None:
        self.contexts: list[StubEdgeContext] = []

    def from_upstream(self, edge_header: bytes | None) -> StubEdgeContext:
        context = StubEdgeContext(edge_header)
        self.contexts.append(context)
        return context


# --- trace headers -------------------------------------------------------------------------


def test_no_headers_start_a_new_trace(make_harness) -> None:
    """Without trace headers the request is the root of a new trace: span id = trace id."""
    harness = make_harness(header_trust_handler=TRUST_ALL)

    harness.app.get("/example")

    span = harness.only_span()
    assert span.name == "example"
    assert span.trace_id == span.id
    assert span.parent_id is None
    assert span.sampled is None
    assert span.flags is None
    assert (span.started, span.finished) == (1, 1)
    assert span.exc_info is None


def test_trusted_decimal_headers_are_adopted(make_harness) -> None:
    """Trusted X-Trace/X-Span/X-Parent/X-Sampled/X-Flags become the server span's ids."""
    harness = make_harness(header_trust_handler=TRUST_ALL)

    harness.app.get(
        "/example",
        headers={**TRACE_HEADERS, "X-Sampled": "1", "X-Flags": "1"},
    )

    span = harness.only_span()
    assert (*ids(span), span.flags) == (1234, 3456, 2345, True, 1)


def test_trusted_b3_hex_headers_are_adopted(make_harness) -> None:
    """X-B3-* headers in the B3 specification's hex form are accepted.

    The values are the B3 specification's own example; a 128-bit trace id keeps its low 64
    bits.
    """
    harness = make_harness(header_trust_handler=TRUST_ALL)

    harness.app.get(
        "/example",
        headers={
            "X-B3-TraceId": "80f198ee56343ba864fe8b2a57d3eff7",
            "X-B3-ParentSpanId": "05e3ac9a4f6e3b90",
            "X-B3-SpanId": "e457b5a2e4d86bd1",
            "X-B3-Sampled": "1",
        },
    )

    span = harness.only_span()
    assert ids(span) == (0x64FE8B2A57D3EFF7, 0xE457B5A2E4D86BD1, 0x05E3AC9A4F6E3B90, True)


def test_trace_header_names_are_case_insensitive(make_harness) -> None:
    """Header names are matched regardless of case, as HTTP requires."""
    harness = make_harness(header_trust_handler=TRUST_ALL)

    harness.app.get(
        "/example",
        headers={"x-trace": "11", "X-SPAN": "22", "x-Parent": "33", "x-sampled": "0"},
    )

    span = harness.only_span()
    assert ids(span) == (11, 22, 33, False)


def test_headers_are_distrusted_by_default(make_harness) -> None:
    """With no trust handler given, trace and edge headers are ignored."""
    edge = StubEdgeContextFactory()
    harness = make_harness(edge_context_factory=edge)

    harness.app.get(
        "/example",
        headers={**TRACE_HEADERS, "X-Edge-Request": EDGE_HEADER},
    )

    span = harness.only_span()
    assert span.trace_id == span.id
    assert span.parent_id is None
    assert [context.payload for context in edge.contexts] == [None]
    assert harness.seen["request"].raw_request_context is None


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Trace": "not-a-number", "X-Span": "1"},
        {"X-Trace": "1234"},
        {"X-Trace": "1234", "X-Span": "1", "X-B3-TraceId": "4321"},
        {"X-Trace": "1234", "X-Span": "1", "X-Sampled": "maybe"},
        {"X-Trace": str(2**64), "X-Span": "1"},
    ],
    ids=["not-decimal", "no-span", "conflicting-alias", "bad-sampled", "too-large"],
)
def test_malformed_trace_headers_start_a_new_trace(
    headers: dict[str, str], caplog: pytest.LogCaptureFixture, make_harness
) -> None:
    """Malformed trusted trace headers are logged at debug level; the request still succeeds."""
    harness = make_harness(header_trust_handler=TRUST_ALL)

    with caplog.at_level(logging.DEBUG, logger="baseplate.integration.pyramid"):
        response = harness.app.get("/example", headers=headers)

    assert response.status_code == 200
    span = harness.only_span()
    assert span.trace_id == span.id
    assert span.parent_id is None
    assert harness.configurator.rejected_trace_headers == 1
    (record,) = [r for r in caplog.records if r.name == "baseplate.integration.pyramid"]
    assert record.levelno == logging.DEBUG
    assert record.getMessage().startswith("Ignoring malformed trace headers; starting a new trace")


class TrustTraceOnly(HeaderTrustHandler):
    """Trusts trace headers from one peer address, and edge context from nobody."""

    def should_trust_trace_headers(self, request: Request) -> bool:
        return bool(request.remote_addr == "10.0.0.7")

    def should_trust_edge_context_payload(self, request: Request) -> bool:
        return False


def test_custom_trust_handler_is_asked_per_request(make_harness) -> None:
    """A HeaderTrustHandler decides per request, separately for trace and edge headers."""
    edge = StubEdgeContextFactory()
    harness = make_harness(
        header_trust_handler=TrustTraceOnly(), edge_context_factory=edge, remote_addr=None
    )
    headers = {
        "X-Trace": "5",
        "X-Span": "6",
        "X-Edge-Request": EDGE_HEADER,
    }

    harness.app.get("/example", headers=headers, extra_environ={"REMOTE_ADDR": "10.0.0.7"})
    harness.app.get("/example", headers=headers, extra_environ={"REMOTE_ADDR": "10.0.0.8"})

    trusted, untrusted = harness.recorder.server_spans
    assert (trusted.trace_id, trusted.id) == (5, 6)
    assert untrusted.trace_id != 5
    assert untrusted.trace_id == untrusted.id
    assert [context.payload for context in edge.contexts] == [None, None]


def test_traceparent_is_accepted_when_enabled_and_trusted(make_harness) -> None:
    """With w3c_tracecontext=True a trusted traceparent header sets the trace.

    The header is the W3C Trace Context specification's example; the 128-bit trace id keeps
    its low 64 bits and the caller's span id becomes the server span's id.
    """
    harness = make_harness(header_trust_handler=TRUST_ALL, w3c_tracecontext=True)

    harness.app.get(
        "/example",
        headers={"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
    )

    span = harness.only_span()
    assert ids(span) == (0xA3CE929D0E0E4736, 0x00F067AA0BA902B7, None, True)


@pytest.mark.parametrize(
    ("baseplate_setting", "argument", "adopted"),
    [(True, None, True), (False, None, False), (True, False, False), (False, True, True)],
)
def test_traceparent_follows_the_baseplate_setting_unless_told(
    baseplate_setting: bool, argument: bool | None, adopted: bool, make_harness
) -> None:
    """By default the configurator does what baseplate.w3c_tracecontext (the config) says."""
    harness = make_harness(header_trust_handler=TRUST_ALL, w3c_tracecontext=argument)
    harness.baseplate.w3c_tracecontext = baseplate_setting

    harness.app.get(
        "/example",
        headers={"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
    )

    assert adopted == (harness.only_span().trace_id == 0xA3CE929D0E0E4736)


def test_x_headers_win_over_traceparent(make_harness) -> None:
    """When X- trace headers are present, traceparent is not consulted."""
    harness = make_harness(header_trust_handler=TRUST_ALL, w3c_tracecontext=True)

    harness.app.get(
        "/example",
        headers={
            "X-Trace": "77",
            "X-Span": "88",
            "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        },
    )

    span = harness.only_span()
    assert (span.trace_id, span.id) == (77, 88)


@pytest.mark.parametrize(
    ("kwargs", "header"),
    [
        (
            {"header_trust_handler": TRUST_ALL},
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ),
        ({"w3c_tracecontext": True}, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        ({"header_trust_handler": TRUST_ALL, "w3c_tracecontext": True}, "00-garbage-01"),
    ],
    ids=["not-enabled", "not-trusted", "malformed"],
)
def test_traceparent_ignored_otherwise(kwargs: dict[str, Any], header: str, make_harness) -> None:
    """traceparent is ignored unless enabled and trusted; a malformed one starts a new trace."""
    harness = make_harness(**kwargs)

    response = harness.app.get("/example", headers={"traceparent": header})

    assert response.status_code == 200
    span = harness.only_span()
    assert span.trace_id == span.id
    assert span.trace_id != 0xA3CE929D0E0E4736


# --- edge context ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [EDGE_HEADER, RAW_EDGE_PAYLOAD.decode("latin-1")],
    ids=["base64", "raw"],
)
def test_edge_header_goes_to_the_factory(header: str, make_harness) -> None:
    """A trusted X-Edge-Request, base64 or raw, reaches the factory as the original bytes."""
    edge = StubEdgeContextFactory()
    harness = make_harness(header_trust_handler=TRUST_ALL, edge_context_factory=edge)

    harness.app.get("/example", headers={"X-Edge-Request": header})

    (context,) = edge.contexts
    request = harness.seen["request"]
    assert context.payload == RAW_EDGE_PAYLOAD
    assert [request] == context.attached_to
    assert context is request.request_context
    assert harness.only_span().context is request


@pytest.mark.parametrize(
    "header",
    [EDGE_HEADER, RAW_EDGE_PAYLOAD.decode("latin-1")],
    ids=["base64", "raw"],
)
def test_edge_header_without_factory_is_kept_raw(header: str, make_harness) -> None:
    """Without a factory, the trusted payload is kept as bytes to be passed downstream."""
    harness = make_harness(header_trust_handler=TRUST_ALL)

    harness.app.get("/example", headers={"X-Edge-Request": header})

    assert harness.seen["request"].raw_request_context == RAW_EDGE_PAYLOAD


def test_absent_edge_header_gives_an_empty_context(make_harness) -> None:
    """No X-Edge-Request header: the factory makes an empty context, so that handlers can
    always read request.request_context."""
    edge = StubEdgeContextFactory()
    harness = make_harness(header_trust_handler=TRUST_ALL, edge_context_factory=edge)

    harness.app.get("/example")

    (context,) = edge.contexts
    request = harness.seen["request"]
    assert (None, context) == (context.payload, request.request_context)
    assert request.raw_request_context is None


def test_absent_edge_header_without_factory_attaches_nothing(make_harness) -> None:
    """No header and no factory: the request gets no edge attributes at all."""
    harness = make_harness(header_trust_handler=TRUST_ALL)

    harness.app.get("/example")

    assert "raw_request_context" not in harness.seen["request"].__dict__


# --- the server span -----------------------------------------------------------------------


def test_tags_are_exact(make_harness) -> None:
    """The server span carries exactly the URL without query, method, peer and status tags."""
    harness = make_harness()

    harness.app.get("/example?token=secret")

    assert harness.only_span().tags == {
        "http.url": "http://localhost/example",
        "http.method": "GET",
        "peer.ipv4": "10.1.2.3",
        "http.status_code": 200,
    }


def test_ipv6_peer_and_missing_peer(make_harness) -> None:
    """An IPv6 peer is tagged peer.ipv6; without REMOTE_ADDR there is no peer tag."""
    harness = make_harness(remote_addr="2001:db8::1")
    harness.app.get("/example")
    harness.app.post("/post_only", extra_environ={"REMOTE_ADDR": ""})

    first, second = harness.recorder.server_spans
    assert first.tags["peer.ipv6"] == "2001:db8::1"
    assert "peer.ipv4" not in first.tags
    assert {"http.url", "http.method", "http.status_code"} == set(second.tags)
    assert second.tags["http.method"] == "POST"


def test_unmatched_route_makes_no_span(make_harness) -> None:
    """A 404 for a path no route matches is neither traced nor announced."""
    harness = make_harness()

    harness.app.get("/nope", status=404)

    assert harness.recorder.server_spans == []
    assert harness.events == []


def test_application_gets_baseplate_attribute(make_harness) -> None:
    """The WSGI application (the router) exposes the Baseplate instance as ``baseplate``."""
    harness = make_harness()

    assert harness.baseplate is harness.router.baseplate


# --- context factories ---------------------------------------------------------------------


def test_context_attribute_not_made_when_unused(make_harness) -> None:
    """A request that never reads a context attribute never calls its factory."""
    harness = make_harness()

    harness.app.get("/unused")

    assert harness.factory.calls == []


def test_context_attribute_made_once_and_bound_to_server_span(make_harness) -> None:
    """request.<name> is made on first read, once, for the server span, and shared."""
    harness = make_harness()

    harness.app.get("/context")

    first, second, via_context = harness.seen["objects"]
    assert first is second
    assert first is via_context
    (call,) = harness.factory.calls
    assert call[0] == "thing"
    assert call[1] is harness.seen["span"]
    assert isinstance(harness.seen["span"], ServerSpan)


def test_local_child_span_gets_its_own_context_object(make_harness) -> None:
    """Inside a local span the attribute is made anew, bound to the local span."""
    harness = make_harness()

    harness.app.get("/local")

    child, child_context, child_thing, child_trace = harness.seen["local"]
    server_span, server_thing = harness.seen["server"]
    assert isinstance(child_context, RequestContext)
    assert child_trace is child
    assert child_thing is not server_thing
    assert [("thing", server_span), ("thing", child)] == harness.factory.calls
    recorded = harness.only_span().child("work")
    assert (recorded.kind, recorded.component_name, recorded.finished) == ("local", "worker", 1)


def test_context_attribute_after_the_span_finished_is_a_clear_error(make_harness) -> None:
    """Reading a factory attribute first in a response callback names the problem."""
    harness = make_harness()

    harness.app.get("/callback")

    assert "has no active one" in harness.seen["late_error"]
    assert harness.factory.calls == []


def test_factory_name_hiding_a_request_attribute_is_rejected(counting_factory) -> None:
    """A context attribute named like a Pyramid request attribute fails at configuration."""
    baseplate = Baseplate()
    config = Configurator()
    config.include(BaseplateConfigurator(baseplate).includeme)
    baseplate.add_to_context("session", counting_factory)

    with pytest.raises(ConfigurationExecutionError, match="'session' would hide"):
        config.make_wsgi_app()


# --- construction ---------------------------------------------------------------------------


def test_legacy_trust_trace_headers_warns_and_trusts_both() -> None:
    """trust_trace_headers=True still works, with a DeprecationWarning naming the new way."""
    with pytest.warns(DeprecationWarning, match="header_trust_handler=StaticTrustHandler"):
        configurator = BaseplateConfigurator(Baseplate(), trust_trace_headers=True)

    handler = configurator.header_trust_handler
    assert isinstance(handler, StaticTrustHandler)
    assert handler.should_trust_trace_headers(None)
    assert handler.should_trust_edge_context_payload(None)


def test_legacy_and_new_trust_arguments_conflict() -> None:
    """Giving both trust arguments is a configuration error."""
    with pytest.raises(ValueError, match="not both"):
        BaseplateConfigurator(Baseplate(), True, None, TRUST_ALL)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("not baseplate",), {}, "baseplate must be a baseplate.core.Baseplate"),
        ((Baseplate(), "yes"), {}, "trust_trace_headers must be a bool or None, got 'yes'"),
        ((Baseplate(),), {"header_trust_handler": object()}, "must be a HeaderTrustHandler"),
        ((Baseplate(),), {"edge_context_factory": object()}, "from_upstream"),
        ((Baseplate(),), {"w3c_tracecontext": 1}, "w3c_tracecontext must be a bool or None, got 1"),
    ],
)
def test_bad_arguments_are_rejected(
    args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    """Wrong argument types fail at construction, naming the argument and value."""
    with pytest.raises(TypeError, match=message.replace(".", r"\.")):
        BaseplateConfigurator(*args, **kwargs)


# --- reference cycles -----------------------------------------------------------------------


class _Observer(BaseplateObserver):
    def on_server_span_created(self, context: Any, server_span: ServerSpan) -> None:
        server_span.register(SpanObserver())


_BASEPLATE_TYPES = (
    Span,
    RequestContext,
    SpanObserver,
    BaseplateObserver,
    ServerSpanInitialized,
    RecordedSpan,
)


@pytest.mark.parametrize(
    ("path", "status"),
    [("/example", 200), ("/context", 200), ("/local", 200), ("/nope", 404)],
)
def test_requests_leave_no_reference_cycles(path: str, status: int, make_harness) -> None:
    """Baseplate's per-request objects are freed by reference counting, not by the collector.

    The request runs with the collector off and ``DEBUG_SAVEALL``, so everything that only the
    collector could free ends up in ``gc.garbage``. Pyramid leaves a class it makes per request
    (to hold request properties) there; that is Pyramid's and is filtered out by type. The
    request itself must have been released, or the check would prove nothing.

    Paths where an exception passes through Pyramid are not included: Pyramid keeps the
    exception's traceback in a cycle with the request (through ``request.exc_info`` when an
    exception view renders it, through a local of its exception-view tween otherwise), and the
    finished server span reachable from the request is then freed with it by the collector.
    """
    harness = make_harness()
    harness.baseplate.register(_Observer())
    harness.app.get(path, status=status)  # warm up: first requests fill Pyramid's caches

    def forget() -> None:
        harness.recorder.server_spans.clear()
        harness.seen.clear()
        harness.events.clear()

    forget()
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        harness.request_refs.clear()
        harness.app.get(path, status=status)
        forget()
        gc.collect()
        ours = [o for o in gc.garbage if isinstance(o, (*_BASEPLATE_TYPES, type(harness.factory)))]
        (request_ref,) = harness.request_refs
        released = request_ref() is None or any(request_ref() is o for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()

    assert ours == []
    assert released
