"""Tests for the Baseplate object: server spans, observers and context factories."""

from __future__ import annotations

import gc
import logging
import sys
import threading

import pytest

from baseplate.core import (
    Baseplate,
    BaseplateObserver,
    ContextFactory,
    MissingDistributionError,
    RequestContext,
    ReusedContextObjectError,
    ServerSpan,
    Span,
    TraceInfo,
    _plugins,
)
from baseplate.core.testing import RecordingObserver
from baseplate.diagnostics.logging import LoggingBaseplateObserver


class CountingFactory(ContextFactory):
    """Makes a fresh object per call and remembers the spans it was bound to."""

    def __init__(self):
        self.spans = []

    def make_object_for_context(self, name, span):
        self.spans.append(span)
        return {"name": name, "span": span}


class FrameworkRequest:
    """Stands for a framework's own request object (e.g. Pyramid's)."""


@pytest.fixture
def factory():
    """A counting factory, registered as ``db`` on the ``baseplate`` fixture."""
    return CountingFactory()


@pytest.fixture
def baseplate(factory):
    """A Baseplate with ``factory`` on the context as ``db``."""
    baseplate = Baseplate()
    baseplate.add_to_context("db", factory)
    return baseplate


def test_make_server_span_without_upstream_starts_a_trace():
    """With no trace info, the server span roots a new trace."""
    span = Baseplate().make_server_span(RequestContext(), "get_user")
    assert type(span) is ServerSpan
    assert span.name == "get_user"
    assert span.id == span.trace_id
    assert (span.parent_id, span.sampled, span.flags) == (None, None, None)


def test_make_server_span_adopts_upstream_trace():
    """With upstream trace info, the server span takes its ids and decisions."""
    info = TraceInfo.from_upstream(1, 2, 3, True, 1)
    span = Baseplate().make_server_span(RequestContext(), "get_user", info)
    assert (span.trace_id, span.parent_id, span.id, span.sampled, span.flags) == (1, 2, 3, True, 1)


def test_make_server_span_sets_trace_and_does_not_start():
    """context.trace is the new span; the span is not started by make_server_span."""
    recorder = RecordingObserver()
    baseplate = Baseplate()
    baseplate.register(recorder)
    context = RequestContext()
    span = baseplate.make_server_span(context, "op")
    assert context.trace is span
    assert span.context is context
    assert recorder.server_spans[0].started == 0


def test_observers_see_the_raw_context_in_order():
    """Each observer's on_server_span_created gets the context given and the span, in order."""
    seen = []

    class Observer(BaseplateObserver):
        def __init__(self, label):
            self.label = label

        def on_server_span_created(self, context, server_span):
            seen.append((self.label, context, server_span))

    baseplate = Baseplate()
    baseplate.register(Observer("first"))
    baseplate.register(Observer("second"))
    request = FrameworkRequest()
    span = baseplate.make_server_span(request, "op")
    assert seen == [("first", request, span), ("second", request, span)]


def test_failing_baseplate_observer_is_logged_and_skipped(caplog):
    """An observer raising in on_server_span_created does not stop the request or others."""

    class Broken(BaseplateObserver):
        def on_server_span_created(self, context, server_span):
            raise RuntimeError("broken")

    recorder = RecordingObserver()
    baseplate = Baseplate()
    baseplate.register(Broken())
    baseplate.register(recorder)
    with caplog.at_level(logging.ERROR, logger="baseplate.core"):
        span = baseplate.make_server_span(RequestContext(), "op")
    assert len(recorder.server_spans) == 1
    assert span.name == "op"
    assert "Broken" in caplog.records[0].getMessage()
    assert caplog.records[0].exc_info[0] is RuntimeError


def test_register_rejects_non_observers():
    """register() refuses objects without on_server_span_created."""
    with pytest.raises(TypeError, match="on_server_span_created"):
        Baseplate().register(object())


def test_context_factory_is_lazy_and_cached(factory, baseplate):
    """A factory runs on the first read of its attribute in a request, and only once."""
    context = RequestContext()
    span = baseplate.make_server_span(context, "op")
    assert factory.spans == []
    first = context.db
    assert context.db is first
    assert factory.spans == [span]
    assert first["name"] == "db"


def test_unused_context_factory_is_never_called(factory, baseplate):
    """A request that never reads the attribute never pays for it."""
    with baseplate.make_server_span(RequestContext(), "op"):
        pass
    assert factory.spans == []


def test_context_factory_per_request(factory, baseplate):
    """Each request gets its own object, bound to its own server span."""
    objects = []
    for _ in range(2):
        context = RequestContext()
        span = baseplate.make_server_span(context, "op")
        objects.append(context.db)
        assert context.db["span"] is span
    assert objects[0] is not objects[1]


def test_context_factory_in_local_span_is_bound_to_local_span(factory, baseplate):
    """Inside a local span, the attribute is a new object bound to the local span."""
    context = RequestContext()
    span = baseplate.make_server_span(context, "op")
    local = span.make_child("work", local=True, component_name="worker")
    assert local.context.db["span"] is local
    assert context.db["span"] is span
    assert local.context.db is not context.db


def test_local_span_context_writes_go_to_the_request_context():
    """Attributes set on a local span's context belong to the request; plain ones stay put."""
    baseplate = Baseplate()
    context = RequestContext()
    span = baseplate.make_server_span(context, "op")
    local = span.make_child("work", local=True, component_name="worker")
    local.context.note = "from the local span"
    context.other = "from the request"
    assert context.note == "from the local span"
    assert local.context.other == "from the request"
    assert "note" not in vars(local.context)
    assert "other" in vars(context)


def test_children_of_local_span_are_children_of_it():
    """A client call made through a local span's context is a child of the local span."""

    class ClientFactory(ContextFactory):
        def make_object_for_context(self, name, span):
            return lambda: span.make_child(f"{name}.call")

    baseplate = Baseplate()
    baseplate.add_to_context("client", ClientFactory())
    context = RequestContext()
    span = baseplate.make_server_span(context, "op")
    local = span.make_child("work", local=True, component_name="worker")
    assert local.context.client().parent_id == local.id
    assert context.client().parent_id == span.id


def test_factory_attribute_on_foreign_context_object(factory, baseplate):
    """For a framework's own request object, factory attributes live on span.context."""
    request = FrameworkRequest()
    request.user = "alice"
    span = baseplate.make_server_span(request, "op")
    assert request.trace is span
    assert isinstance(span.context, RequestContext)
    assert span.context.db["span"] is span
    assert span.context.user == "alice"
    span.context.written = 1
    assert request.written == 1


def test_unknown_context_attribute():
    """Reading an attribute nobody set or registered raises AttributeError."""
    context = RequestContext()
    Baseplate().make_server_span(context, "op")
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        _ = context.missing
    assert not hasattr(context, "missing")


def test_factory_attribute_outside_a_request():
    """A context not bound to a span cannot make factory attributes."""
    baseplate = Baseplate()
    baseplate.add_to_context("db", CountingFactory())
    context = RequestContext()
    context.bind  # noqa: B018 - the method exists before binding
    with pytest.raises(AttributeError, match="no attribute 'db'"):
        _ = context.db


def test_context_reuse_is_refused():
    """A RequestContext belongs to one request."""
    baseplate = Baseplate()
    context = RequestContext()
    baseplate.make_server_span(context, "op")
    with pytest.raises(ReusedContextObjectError, match="one per request"):
        baseplate.make_server_span(context, "op")


@pytest.mark.parametrize("name", ["", "1abc", "_private", "trace", "has space", "bind"])
def test_add_to_context_rejects_bad_names(name):
    """Names must be public identifiers and not collide with the context's own."""
    with pytest.raises(ValueError, match="public identifier"):
        Baseplate().add_to_context(name, CountingFactory())


def test_add_to_context_rejects_duplicates_and_non_factories():
    """A name can be registered once, and only with a factory."""
    baseplate = Baseplate()
    baseplate.add_to_context("db", CountingFactory())
    with pytest.raises(ValueError, match="'db' is already registered"):
        baseplate.add_to_context("db", CountingFactory())
    with pytest.raises(TypeError, match="make_object_for_context"):
        baseplate.add_to_context("cache", object())
    assert list(baseplate.context_factories) == ["db"]


@pytest.mark.parametrize(
    ("method", "distribution"),
    [
        ("configure_metrics", "baseplate-metrics"),
        ("configure_tracing", "baseplate-tracing"),
        ("configure_error_reporting", "baseplate-sentry"),
    ],
)
def test_configure_without_observer_package(method, distribution, monkeypatch):
    """configure_* name the distribution to install when it is missing."""
    module = {
        "baseplate-metrics": "baseplate.diagnostics.metrics",
        "baseplate-tracing": "baseplate.diagnostics.tracing",
        "baseplate-sentry": "baseplate.diagnostics.sentry",
    }[distribution]
    # None in sys.modules makes importing the module fail as if it were not installed.
    monkeypatch.setitem(sys.modules, module, None)
    baseplate = Baseplate()
    with pytest.raises(MissingDistributionError, match=f"pip install {distribution}"):
        getattr(baseplate, method)(object())
    assert baseplate.observers == []
    assert baseplate.metrics_client is None


def test_edgecontext_names_need_their_distribution(monkeypatch):
    """baseplate.core resolves the edge-context names lazily, or says what to install."""
    import baseplate.core

    # None in sys.modules makes importing the module fail as if it were not installed.
    monkeypatch.setitem(sys.modules, "baseplate.edgecontext", None)
    with pytest.raises(MissingDistributionError, match="pip install baseplate-edgecontext"):
        _ = baseplate.core.EdgeRequestContextFactory
    with pytest.raises(AttributeError, match="no attribute 'NotAThing'"):
        _ = baseplate.core.NotAThing


def test_configure_logging_names_thread_after_trace():
    """The logging observer puts the trace id in the thread name, for the log format."""
    baseplate = Baseplate()
    baseplate.configure_logging()
    assert isinstance(baseplate.observers[0], LoggingBaseplateObserver)
    result = {}

    def handle():
        span = baseplate.make_server_span(
            RequestContext(), "op", TraceInfo(42, None, 42, None, None)
        )
        with span:
            result["name"] = threading.current_thread().name

    thread = threading.Thread(target=handle)
    thread.start()
    thread.join()
    assert result["name"] == "42"


def test_logging_format_carries_trace_id(caplog):
    """A record logged during a request shows the trace id through %(threadName)s."""
    baseplate = Baseplate()
    baseplate.configure_logging()
    formatter = logging.Formatter("%(threadName)s:%(message)s")
    lines = []

    def handle():
        with baseplate.make_server_span(RequestContext(), "op", TraceInfo(7, None, 7, None, None)):
            record = logging.LogRecord("app", logging.INFO, __file__, 1, "hello", None, None)
            lines.append(formatter.format(record))

    thread = threading.Thread(target=handle)
    thread.start()
    thread.join()
    assert lines == ["7:hello"]


def test_request_creates_no_reference_cycles():
    """With the cyclic collector off, a whole request is freed by reference counting."""

    class Client:
        def __init__(self, span):
            self.span = span

        def call(self):
            with self.span.make_child("client.call"):
                pass

    class ClientFactory(ContextFactory):
        def make_object_for_context(self, name, span):
            return Client(span)

    baseplate = Baseplate()
    baseplate.configure_logging()
    baseplate.register(_NullObserver())
    baseplate.add_to_context("client", ClientFactory())

    def request():
        context = RequestContext()
        span = baseplate.make_server_span(context, "op")
        with span:
            context.client.call()
            with span.make_child("work", local=True, component_name="c") as local:
                local.context.client.call()

    request()  # warm up lazily created module state
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.garbage.clear()
        for _ in range(10):
            request()
        gc.collect()
        leaked = [
            type(o).__name__ for o in gc.garbage if isinstance(o, (Span, RequestContext, Client))
        ]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert leaked == []


class _NullObserver(BaseplateObserver):
    def on_server_span_created(self, context, server_span):
        from baseplate.core import ServerSpanObserver

        server_span.register(ServerSpanObserver())


def test_configure_observers_without_diagnostics_config_installs_logging_only(monkeypatch):
    """With no metrics/tracing/sentry keys, only the logging observer is installed."""
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    baseplate = Baseplate()
    baseplate.configure_observers({"unrelated": "1"})
    assert [type(o) for o in baseplate.observers] == [LoggingBaseplateObserver]


@pytest.mark.parametrize(
    ("key", "plugin", "distribution"),
    [
        ("metrics.namespace", "metrics", "baseplate-metrics"),
        ("tracing.service_name", "tracing", "baseplate-tracing"),
        ("sentry.dsn", "sentry", "baseplate-sentry"),
    ],
)
def test_configure_observers_names_missing_distribution(key, plugin, distribution, monkeypatch):
    """A configured observer whose distribution is absent fails with the install line."""
    # Without the distribution its observer plug-in's entry point is not there.
    found = [ep for ep in _plugins.observer_entry_points() if ep.name != plugin]
    monkeypatch.setattr(_plugins, "observer_entry_points", lambda: found)
    with pytest.raises(MissingDistributionError, match=f"{key}.*pip install {distribution}"):
        Baseplate().configure_observers({key: "x"})
