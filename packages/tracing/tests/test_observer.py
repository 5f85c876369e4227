"""Tests of the tracing observers: sampling and the Zipkin v1 JSON of each kind of span."""

from __future__ import annotations

import json
import socket
import sys
import time
from typing import Any

import pytest

from baseplate.core import Baseplate, RequestContext, ServerSpan, TraceInfo
from baseplate.diagnostics.tracing import (
    InMemoryRecorder,
    TraceBaseplateObserver,
    TraceLocalSpanObserver,
    TraceServerSpanObserver,
    TraceSpanObserver,
    TracingClient,
)

SPAN_KEYS = [
    "traceId",
    "name",
    "id",
    "timestamp",
    "duration",
    "annotations",
    "binaryAnnotations",
    "parentId",
]


def host_ipv4() -> str:
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "undefined"


ENDPOINT = {"serviceName": "my_service", "ipv4": host_ipv4()}


def now_us() -> int:
    return time.time_ns() // 1000


def make_baseplate(sample_rate: float = 1.0) -> tuple[Baseplate, InMemoryRecorder]:
    recorder = InMemoryRecorder()
    baseplate = Baseplate()
    baseplate.configure_tracing(TracingClient("my_service", sample_rate, recorder))
    return baseplate, recorder


def upstream(
    sampled: bool | None = True, flags: int | None = None, parent_id: int | None = 9
) -> TraceInfo:
    return TraceInfo.from_upstream(1234, parent_id, 5678, sampled, flags)


def by_name(spans: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {span["name"]: span for span in spans}


def fail() -> Any:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        return sys.exc_info()


def test_server_span_is_recorded_as_zipkin_v1_json() -> None:
    """A sampled request becomes one span object with sr/ss annotations and integer IDs."""
    baseplate, recorder = make_baseplate()
    before = now_us()
    span = baseplate.make_server_span(RequestContext(), "get_user", upstream())
    span.start()
    span.set_tag("http.method", "GET")
    span.finish()
    after = now_us()

    (raw,) = recorder.serialized
    recorded = json.loads(raw)
    assert list(recorded) == SPAN_KEYS
    start, duration = recorded["timestamp"], recorded["duration"]
    assert before <= start <= start + duration <= after
    assert recorded == {
        "traceId": 1234,
        "name": "get_user",
        "id": 5678,
        "timestamp": start,
        "duration": duration,
        "annotations": [
            {"endpoint": ENDPOINT, "timestamp": start, "value": "sr"},
            {"endpoint": ENDPOINT, "timestamp": start + duration, "value": "ss"},
        ],
        "binaryAnnotations": [{"key": "http.method", "value": "GET", "endpoint": ENDPOINT}],
        "parentId": 9,
    }
    assert b'"traceId":1234,' in raw  # a JSON integer, not a string


def test_root_span_has_parent_id_zero() -> None:
    """A span with no parent is serialized with parentId 0."""
    baseplate, recorder = make_baseplate()
    with baseplate.make_server_span(RequestContext(), "root", upstream(parent_id=None)):
        pass
    assert recorder.spans[0]["parentId"] == 0


def test_new_trace_root_span_ids() -> None:
    """A request without upstream trace info is a root span whose id is the trace id."""
    baseplate, recorder = make_baseplate()
    with baseplate.make_server_span(RequestContext(), "fresh") as span:
        pass
    (recorded,) = recorder.spans
    assert (recorded["traceId"], recorded["id"], recorded["parentId"]) == (span.id, span.id, 0)


def test_client_span_has_cs_cr_annotations_and_string_tag_values() -> None:
    """A call to another service gets cs/cr; non-bool, non-str tag values become strings."""
    baseplate, recorder = make_baseplate()
    server = baseplate.make_server_span(RequestContext(), "handler", upstream())
    with server, server.make_child("redis.GET") as child:
        child.set_tag("status", 200)
        child.set_tag("ratio", 1.5)
        child.set_tag("hit", False)
        child.set_tag("key", "k")
        child_id = child.id
    recorded = by_name(recorder.spans)["redis.GET"]
    start, duration = recorded["timestamp"], recorded["duration"]
    assert recorded == {
        "traceId": 1234,
        "name": "redis.GET",
        "id": child_id,
        "timestamp": start,
        "duration": duration,
        "annotations": [
            {"endpoint": ENDPOINT, "timestamp": start, "value": "cs"},
            {"endpoint": ENDPOINT, "timestamp": start + duration, "value": "cr"},
        ],
        "binaryAnnotations": [
            {"key": "status", "value": "200", "endpoint": ENDPOINT},
            {"key": "ratio", "value": "1.5", "endpoint": ENDPOINT},
            {"key": "hit", "value": False, "endpoint": ENDPOINT},
            {"key": "key", "value": "k", "endpoint": ENDPOINT},
        ],
        "parentId": 5678,
    }


def test_local_span_has_lc_and_no_annotations() -> None:
    """A local span has no annotations and an lc binary annotation naming its component."""
    baseplate, recorder = make_baseplate()
    server = baseplate.make_server_span(RequestContext(), "handler", upstream())
    with server, server.make_child("render", local=True, component_name="templates") as local:
        local.set_tag("template", "home.html")
        local_id = local.id
    recorded = by_name(recorder.spans)["render"]
    assert recorded["annotations"] == []
    assert recorded["binaryAnnotations"] == [
        {"key": "lc", "value": "templates", "endpoint": ENDPOINT},
        {"key": "template", "value": "home.html", "endpoint": ENDPOINT},
    ]
    assert (recorded["id"], recorded["parentId"]) == (local_id, 5678)


def slot_names(observer: object) -> set[str]:
    return {
        name
        for cls in type(observer).__mro__
        for name in getattr(cls, "__slots__", ())
        if name not in ("__weakref__",)
    }


def test_span_observer_inits_match() -> None:
    """The local- and server-span observers' written-out __init__s set what the client-span
    observer's would; the local one but for the three fields that make a span local: no
    cs/cr annotations, the lc tag, its allowance."""
    client = TracingClient("my_service", 1.0, InMemoryRecorder())
    baseplate = Baseplate()
    server = baseplate.make_server_span(RequestContext(), "handler", upstream(flags=4))
    local = server.make_child("render", local=True, component_name="templates")
    written_out = TraceLocalSpanObserver(client, local)
    parents = TraceSpanObserver(client, local)
    local_only = {"annotations", "binary_annotations", "max_tags"}
    slots = slot_names(written_out)
    assert len(slots) > len(local_only) + 8  # the slots were found
    for name in slots - local_only:
        assert getattr(written_out, name) == getattr(parents, name), name
    assert written_out.annotations == ()
    assert written_out.binary_annotations == [("lc", "templates")]
    assert parents.max_tags + 1 == written_out.max_tags

    server_observer = TraceServerSpanObserver(client, server)
    by_parents_init = TraceServerSpanObserver.__new__(TraceServerSpanObserver)
    TraceSpanObserver.__init__(by_parents_init, client, server)
    assert slot_names(server_observer) == slots
    for name in slots:
        assert getattr(server_observer, name) == getattr(by_parents_init, name), name
    assert server_observer.annotations == ("sr", "ss")


def test_descendants_of_local_and_client_spans_are_recorded() -> None:
    """Children of local spans (local or not) and of client spans are traced with their parent."""
    baseplate, recorder = make_baseplate()
    with baseplate.make_server_span(RequestContext(), "handler", upstream()) as server:
        with server.make_child("work", local=True, component_name="jobs") as local:
            with local.make_child("db.query") as query:
                query_parent = query.parent_id
            with local.make_child("inner", local=True, component_name="sub") as inner:
                inner_parent = inner.parent_id
        with server.make_child("rpc.call") as call, call.make_child("rpc.retry") as retry:
            retry_parent = retry.parent_id
    spans = by_name(recorder.spans)
    assert set(spans) == {"handler", "work", "db.query", "inner", "rpc.call", "rpc.retry"}
    assert spans["db.query"]["parentId"] == query_parent == spans["work"]["id"]
    assert spans["inner"]["parentId"] == inner_parent == spans["work"]["id"]
    assert spans["rpc.retry"]["parentId"] == retry_parent == spans["rpc.call"]["id"]
    assert [a["value"] for a in spans["db.query"]["annotations"]] == ["cs", "cr"]
    assert spans["inner"]["binaryAnnotations"][0] == {
        "key": "lc",
        "value": "sub",
        "endpoint": ENDPOINT,
    }


def test_span_finished_with_an_exception_is_tagged_error() -> None:
    """finish(exc_info) adds error=true; a normal finish adds no error annotation."""
    baseplate, recorder = make_baseplate()
    server = baseplate.make_server_span(RequestContext(), "handler", upstream())
    server.start()
    child = server.make_child("ok")
    child.start()
    child.finish()
    server.finish(fail())
    spans = by_name(recorder.spans)
    assert spans["handler"]["binaryAnnotations"] == [
        {"key": "error", "value": True, "endpoint": ENDPOINT}
    ]
    assert spans["ok"]["binaryAnnotations"] == []


def test_debug_flag_forces_sampling_and_tags_every_span() -> None:
    """With flags & 1 the trace is recorded even if upstream said not to, and tagged debug."""
    baseplate, recorder = make_baseplate(sample_rate=0.0)
    with (
        baseplate.make_server_span(
            RequestContext(), "handler", upstream(sampled=False, flags=1)
        ) as server,
        server.make_child("call"),
    ):
        pass
    assert server.sampled is True
    debug = {"key": "debug", "value": True, "endpoint": ENDPOINT}
    spans = by_name(recorder.spans)
    assert spans["handler"]["binaryAnnotations"] == [debug]
    assert spans["call"]["binaryAnnotations"] == [debug]


def test_flags_without_debug_bit_do_not_force_sampling() -> None:
    """Only the debug bit (1) forces sampling; other flag bits do not."""
    baseplate, recorder = make_baseplate(sample_rate=0.0)
    with baseplate.make_server_span(RequestContext(), "handler", upstream(sampled=False, flags=2)):
        pass
    assert recorder.spans == []


def test_upstream_decision_not_to_sample_is_honoured() -> None:
    """sampled=False from upstream records nothing, even at a 100% sample rate."""
    baseplate, recorder = make_baseplate(sample_rate=1.0)
    span = baseplate.make_server_span(RequestContext(), "handler", upstream(sampled=False))
    with span, span.make_child("call") as child:
        pass
    assert recorder.spans == []
    assert (span.sampled, child.sampled) == (False, False)


def test_upstream_decision_to_sample_is_honoured() -> None:
    """sampled=True from upstream records the trace, even at a 0% sample rate."""
    baseplate, recorder = make_baseplate(sample_rate=0.0)
    with baseplate.make_server_span(RequestContext(), "handler", upstream(sampled=True)):
        pass
    assert [span["name"] for span in recorder.spans] == ["handler"]


def test_undecided_requests_are_sampled_at_the_rate_and_the_decision_is_stored() -> None:
    """Without an upstream decision, about sample_rate of requests are recorded.

    The decision is stored on the server span and inherited by its children, so
    downstream calls carry it.
    """
    baseplate, recorder = make_baseplate(sample_rate=0.25)
    decisions = []
    for _ in range(2000):
        span = baseplate.make_server_span(RequestContext(), "handler")
        child = span.make_child("call")
        decisions.append((span.sampled, child.sampled))
        span.start()
        span.finish()
    assert all(isinstance(s, bool) and s == c for s, c in decisions)
    sampled = sum(1 for s, _ in decisions if s)
    assert 380 <= sampled <= 620  # 500 expected; the band is > 6 standard deviations wide
    assert len(recorder.spans) == sampled


@pytest.mark.parametrize(("rate", "expected"), [(0.0, False), (1.0, True)])
def test_extreme_sample_rates(rate: float, expected: bool) -> None:
    """A 0% rate samples nothing and a 100% rate samples everything."""
    baseplate, recorder = make_baseplate(sample_rate=rate)
    spans = []
    for _ in range(50):
        with baseplate.make_server_span(RequestContext(), "handler") as span:
            spans.append(span)
    assert {span.sampled for span in spans} == {expected}
    assert len(recorder.spans) == (50 if expected else 0)


def test_should_sample_decides_and_can_be_overridden() -> None:
    """The observer asks its should_sample method, so a subclass can set its own policy."""

    class OnlyHealthChecks(TraceBaseplateObserver):
        def should_sample(self, span: Any) -> bool:
            return span.name == "is_healthy"

    recorder = InMemoryRecorder()
    baseplate = Baseplate()
    baseplate.register(OnlyHealthChecks(TracingClient("my_service", 1.0, recorder)))
    for name in ("is_healthy", "handler"):
        with baseplate.make_server_span(RequestContext(), name):
            pass
    assert [span["name"] for span in recorder.spans] == ["is_healthy"]


def test_unsampled_requests_get_no_span_observers() -> None:
    """An unsampled request costs no per-span work: nothing is registered on its span."""
    baseplate, _ = make_baseplate(sample_rate=0.0)
    span = baseplate.make_server_span(RequestContext(), "handler")
    assert span.observers == []
    sampled_baseplate, _ = make_baseplate(sample_rate=1.0)
    sampled = sampled_baseplate.make_server_span(RequestContext(), "handler")
    assert [type(o) for o in sampled.observers] == [TraceServerSpanObserver]


def test_span_finished_without_start_is_still_recorded() -> None:
    """A span finished without being started is recorded with a zero duration."""
    baseplate, recorder = make_baseplate()
    before = now_us()
    span = baseplate.make_server_span(RequestContext(), "handler", upstream())
    span.finish()
    (recorded,) = recorder.spans
    assert recorded["duration"] == 0
    assert recorded["timestamp"] >= before


def test_configure_tracing_registers_the_observer() -> None:
    """Baseplate.configure_tracing(client) registers a TraceBaseplateObserver for the client."""
    client = TracingClient("my_service", 0.5, InMemoryRecorder())
    baseplate = Baseplate()
    baseplate.configure_tracing(client)
    (observer,) = baseplate.observers
    assert isinstance(observer, TraceBaseplateObserver)
    assert observer.client is client


def test_configure_tracing_with_a_service_name_is_deprecated_but_works() -> None:
    """The original's configure_tracing("name", ...) form builds a client, with a warning."""
    baseplate = Baseplate()
    with pytest.deprecated_call(match="passing a service name to configure_tracing"):
        baseplate.configure_tracing("legacy_service", sample_rate=0.3, log_if_unconfigured=False)
    (observer,) = baseplate.observers
    assert isinstance(observer, TraceBaseplateObserver)
    assert (observer.client.service_name, observer.client.sample_rate) == ("legacy_service", 0.3)


def test_extra_arguments_with_a_client_are_rejected() -> None:
    """Extra arguments only make sense with the legacy service-name form."""
    client = TracingClient("my_service", 0.5, InMemoryRecorder())
    with pytest.raises(TypeError, match="takes only a TracingClient"):
        TraceBaseplateObserver(client, 0.5)


def test_server_span_observer_is_only_registered_on_server_spans() -> None:
    """on_server_span_created receives a ServerSpan and sets its sampling decision."""
    observer = TraceBaseplateObserver(TracingClient("my_service", 1.0, InMemoryRecorder()))
    span = ServerSpan(1, None, 1, None, None, "x", None)
    observer.on_server_span_created(RequestContext(), span)
    assert span.sampled is True


def test_tag_keys_and_values_are_cut_to_their_limits() -> None:
    """Tag keys longer than 128 and values longer than 1024 characters are cut; other tags,
    bools and short strings, are kept as they are."""
    baseplate, recorder = make_baseplate()
    span = baseplate.make_server_span(RequestContext(), "handler", upstream())
    span.start()
    span.set_tag("k" * 200, "short")
    span.set_tag("long", "v" * 5000)
    span.set_tag("number", 10**2000 // 10**1000)  # a 1001-digit int, as str
    span.set_tag("flag", True)
    span.finish()
    (recorded,) = recorder.spans
    tags = [(a["key"], a["value"]) for a in recorded["binaryAnnotations"]]
    assert tags == [
        ("k" * 128, "short"),
        ("long", "v" * 1024),
        ("number", "1" + "0" * 1000),
        ("flag", True),
    ]


def test_a_span_keeps_at_most_64_tags_and_counts_the_rest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Past 64 tags, new tags are dropped, counted on the client and warned about once; the
    error annotation added at the end still appears."""
    recorder = InMemoryRecorder()
    client = TracingClient("my_service", 1.0, recorder)
    baseplate = Baseplate()
    baseplate.configure_tracing(client)
    span = baseplate.make_server_span(RequestContext(), "handler", upstream())
    span.start()
    for number in range(70):
        span.set_tag(f"tag{number}", number)
    try:
        raise ValueError("boom")
    except ValueError:
        span.finish(sys.exc_info())
    (recorded,) = recorder.spans
    keys = [a["key"] for a in recorded["binaryAnnotations"]]
    assert keys == [f"tag{number}" for number in range(64)] + ["error"]
    assert client.dropped_tags == 6
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [
        "Span 'handler' already has 64 tags; tag 'tag64' dropped "
        "(1 tag(s) dropped since the last warning)"
    ]


def test_a_local_span_keeps_64_tags_besides_its_component() -> None:
    """The lc annotation of a local span does not count against the 64-tag limit."""
    baseplate, recorder = make_baseplate()
    server_span = baseplate.make_server_span(RequestContext(), "handler", upstream())
    server_span.start()
    child = server_span.make_child("work", local=True, component_name="worker")
    child.start()
    for number in range(65):
        child.set_tag(f"tag{number}", "x")
    child.finish()
    server_span.finish()
    local = by_name(recorder.spans)["work"]
    keys = [a["key"] for a in local["binaryAnnotations"]]
    assert keys == ["lc"] + [f"tag{number}" for number in range(64)]


def test_a_span_at_every_tag_limit_fits_the_sidecar_message_size() -> None:
    """64 tags with the longest ASCII keys and values encode to less than the 100 KiB the
    sidecar queue's messages hold, so capped spans are never too large for it."""
    baseplate, recorder = make_baseplate()
    span = baseplate.make_server_span(RequestContext(), "handler", upstream())
    span.start()
    for number in range(64):
        span.set_tag(f"{number:03d}" + "k" * 300, "v" * 3000)
    span.finish()
    (encoded,) = recorder.serialized
    assert len(json.loads(encoded)["binaryAnnotations"]) == 64
    assert len(encoded) < 102_400
