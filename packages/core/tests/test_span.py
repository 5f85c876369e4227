"""Tests for spans: events, children, finishing, guarded observers."""

from __future__ import annotations

import logging
import sys

import pytest

from baseplate.core import (
    LocalSpan,
    ParentSpanAlreadyFinishedError,
    RequestContext,
    ServerSpan,
    Span,
    SpanObserver,
)


class EventLog(SpanObserver):
    def __init__(self, label="obs", events=None):
        self.label = label
        self.events = [] if events is None else events

    def on_start(self):
        self.events.append((self.label, "start"))

    def on_set_tag(self, key, value):
        self.events.append((self.label, "tag", key, value))

    def on_log(self, name, payload):
        self.events.append((self.label, "log", name, payload))

    def on_finish(self, exc_info):
        self.events.append((self.label, "finish", exc_info))

    def on_child_span_created(self, span):
        self.events.append((self.label, "child", span))


class Exploding(SpanObserver):
    def __init__(self):
        self.calls = 0

    def _boom(self, *args):
        self.calls += 1
        raise RuntimeError("observer bug")

    on_start = on_set_tag = on_log = on_finish = on_child_span_created = _boom


def _server_span(context=None):
    context = RequestContext() if context is None else context
    span = ServerSpan(100, None, 100, True, 1, "request", None)
    context.bind(span, {})
    span.context = context
    return span


def test_events_reach_observers_in_order():
    """start, set_tag, log and finish are passed to every observer in registration order."""
    events = []
    span = _server_span()
    span.register(EventLog("a", events))
    span.register(EventLog("b", events))
    span.start()
    span.set_tag("http.method", "GET")
    span.log("retry", {"n": 1})
    span.finish()
    assert events == [
        ("a", "start"),
        ("b", "start"),
        ("a", "tag", "http.method", "GET"),
        ("b", "tag", "http.method", "GET"),
        ("a", "log", "retry", {"n": 1}),
        ("b", "log", "retry", {"n": 1}),
        ("a", "finish", None),
        ("b", "finish", None),
    ]


def test_log_payload_defaults_to_none():
    """log() without a payload passes None."""
    observer = EventLog()
    span = _server_span()
    span.register(observer)
    span.log("event")
    assert observer.events == [("obs", "log", "event", None)]


def test_context_manager_success():
    """A with block starts the span and finishes it normally."""
    observer = EventLog()
    span = _server_span()
    span.register(observer)
    with span as entered:
        assert entered is span
    assert observer.events == [("obs", "start"), ("obs", "finish", None)]


def test_context_manager_exception_is_reported_and_propagates():
    """An exception leaving the block finishes the span with its exc_info and is re-raised."""
    observer = EventLog()
    span = _server_span()
    span.register(observer)
    with pytest.raises(KeyError), span:
        raise KeyError("missing")
    (_, _, exc_info) = observer.events[-1]
    assert exc_info[0] is KeyError
    assert isinstance(exc_info[1], KeyError)
    assert exc_info[2] is not None


def test_finish_drops_context_and_observers_and_is_idempotent():
    """A finished span holds no context or observers; finishing again does nothing."""
    observer = EventLog()
    span = _server_span()
    span.register(observer)
    span.finish()
    assert span.context is None
    assert span.observers == []
    assert span.finished
    span.finish()
    assert observer.events == [("obs", "finish", None)]


def test_failing_observer_does_not_break_span_or_others(caplog):
    """An observer raising in any hook is logged; the others still see every event."""
    bad = Exploding()
    good = EventLog()
    span = _server_span()
    span.register(bad)
    span.register(good)
    with caplog.at_level(logging.ERROR, logger="baseplate.core"):
        span.start()
        span.set_tag("k", 1)
        span.log("l")
        child = span.make_child("child")
        span.finish()
    assert bad.calls == 5
    assert [e[1] for e in good.events] == ["start", "tag", "log", "child", "finish"]
    assert good.events[3][2] is child
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 5
    assert all("Exploding" in m and "raised in on_" in m for m in messages)
    assert "on_finish" in messages[-1]


def test_child_ids_and_inheritance():
    """A child keeps the trace id, sampling and flags, gets a new id and names its parent."""
    span = _server_span()
    child = span.make_child("redis.GET")
    assert type(child) is Span
    assert child.trace_id == 100
    assert child.parent_id == 100
    assert child.id != span.id
    assert (child.sampled, child.flags) == (True, 1)
    assert child.name == "redis.GET"
    assert child.context is span.context


def test_child_ids_are_random():
    """Sibling children get distinct ids."""
    span = _server_span()
    assert len({span.make_child("c").id for _ in range(50)}) == 50


def test_child_is_announced_before_it_starts():
    """Observers hear of a child through on_child_span_created and can register on it."""
    grandchild_events = []

    class Registering(SpanObserver):
        def on_child_span_created(self, span):
            span.register(EventLog("child", grandchild_events))

    span = _server_span()
    span.register(Registering())
    with span.make_child("call"):
        pass
    assert grandchild_events == [("child", "start"), ("child", "finish", None)]


def test_local_child_gets_its_own_context():
    """A local child is a LocalSpan with the component name and a context of its own."""
    span = _server_span()
    span.context.shared = "value"
    local = span.make_child("compute", local=True, component_name="math")
    assert type(local) is LocalSpan
    assert local.component_name == "math"
    assert local.context is not span.context
    assert local.context.trace is local
    assert span.context.trace is span
    assert local.context.shared == "value"


def test_writes_in_local_context_go_to_request_context():
    """Setting an attribute inside a local span's context sets it on the request's context."""
    span = _server_span()
    local = span.make_child("compute", local=True, component_name="math")
    local.context.result = 42
    assert span.context.result == 42


def test_local_child_of_local_child():
    """Local spans nest: each level has its own trace attribute and parent id."""
    span = _server_span()
    outer = span.make_child("outer", local=True, component_name="c")
    inner = outer.make_child("inner", local=True, component_name="c")
    assert inner.parent_id == outer.id
    assert inner.context.trace is inner
    assert outer.context.trace is outer


def test_local_child_requires_component_name():
    """A local child without component_name is refused before anything is created."""
    observer = EventLog()
    span = _server_span()
    span.register(observer)
    with pytest.raises(ValueError, match="component_name"):
        span.make_child("compute", local=True)
    assert observer.events == []


def test_child_of_finished_span_is_refused():
    """Making a child of a finished span raises, naming both spans."""
    span = _server_span()
    span.finish()
    with pytest.raises(ParentSpanAlreadyFinishedError, match=r"'late'.*'request'"):
        span.make_child("late")


def test_plain_span_can_make_children():
    """A client span can have children of its own, sharing its context."""
    span = _server_span()
    child = span.make_child("call")
    grandchild = child.make_child("retry")
    assert grandchild.parent_id == child.id
    assert grandchild.context is span.context


def test_local_child_of_span_with_foreign_context():
    """A span whose context cannot be cloned gives its local children the same context."""
    span = ServerSpan(1, None, 1, None, None, "s", context := object())
    local = span.make_child("l", local=True, component_name="c")
    assert local.context is context


def test_exc_info_from_sys():
    """finish accepts sys.exc_info() as given by integrations."""
    observer = EventLog()
    span = _server_span()
    span.register(observer)
    try:
        raise ValueError("bad")
    except ValueError:
        span.finish(sys.exc_info())
    assert observer.events[-1][2][0] is ValueError


@pytest.mark.parametrize("cls", [LocalSpan, ServerSpan])
def test_written_out_inits_set_what_spans_init_sets(cls: type[LocalSpan]) -> None:
    """LocalSpan and ServerSpan write their __init__ out (a measured speed-up); every slot
    must still get what Span.__init__ gives it, plus the component name."""
    args = (11, 22, 33, True, 1, "name", "the context")
    made = cls(*args, component_name="component")
    by_span_init = cls.__new__(cls)
    Span.__init__(by_span_init, *args)
    slots = {name for klass in cls.__mro__ for name in getattr(klass, "__slots__", ())}
    assert len(slots) == 10  # every slot was found: Span's nine and component_name
    for name in slots - {"component_name"}:
        assert getattr(made, name) == getattr(by_span_init, name), name
    assert made.component_name == "component"


def test_each_span_class_has_an_init_code_object_of_its_own() -> None:
    """Span, LocalSpan and ServerSpan do not share __init__ code (see LocalSpan.__init__)."""
    codes = {cls.__init__.__code__ for cls in (Span, LocalSpan, ServerSpan)}
    assert len(codes) == 3
