"""The metrics observer: request timings and outcomes, sent to statsd once per request."""

from __future__ import annotations

import time
from typing import Any

from baseplate.core import BaseplateObserver, ExcInfo, LocalSpan, ServerSpan, Span, SpanObserver
from baseplate.metrics import Batch, Client
from baseplate.metrics._metrics import join_name, sanitize_node

# This module is part of the baseplate-metrics distribution, so it may use the batch's
# internals: it appends its lines and counter totals straight to the batch, which keeps the
# cost per span to a few hundred nanoseconds.

_now = time.perf_counter

# Names are cached per span name; beyond this many distinct names they are built each time,
# so a service that puts unbounded data in span names cannot grow the cache forever.
_CACHE_LIMIT = 10_000


class _Names:
    """Full metric names per span name, built once (sanitized, namespaced) and cached."""

    def __init__(self, namespace: str) -> None:
        self._namespace = namespace
        # Read directly by the span observers: a dictionary lookup is cheaper than a call.
        self.server_names: dict[str, tuple[str, str, str]] = {}
        self.client_names: dict[str, tuple[str, str, str]] = {}
        self._local: dict[tuple[str | None, str], str] = {}
        self._errors: dict[str, str] = {}

    def _join(self, *nodes: str) -> str:
        return join_name(self._namespace, *(sanitize_node(node) or "_" for node in nodes))

    def _outcomes(
        self, cache: dict[str, tuple[str, str, str]], kind: str, name: str
    ) -> tuple[str, str, str]:
        timer = self._join(kind, name)
        names = (timer, f"{timer}.success", f"{timer}.failure")
        if len(cache) < _CACHE_LIMIT:
            cache[name] = names
        return names

    def server(self, name: str) -> tuple[str, str, str]:
        """``server.<name>`` and its ``.success`` and ``.failure`` counters."""
        names = self.server_names.get(name)
        return names if names is not None else self._outcomes(self.server_names, "server", name)

    def client(self, name: str) -> tuple[str, str, str]:
        """``clients.<name>`` and its ``.success`` and ``.failure`` counters."""
        names = self.client_names.get(name)
        return names if names is not None else self._outcomes(self.client_names, "clients", name)

    def local(self, component_name: str | None, name: str) -> str:
        """``<component_name>.<name>``."""
        key = (component_name, name)
        timer = self._local.get(key)
        if timer is None:
            timer = self._join(component_name or "local", name)
            if len(self._local) < _CACHE_LIMIT:
                self._local[key] = timer
        return timer

    def error(self, class_name: str) -> str:
        """``errors.<ExceptionClassName>``."""
        counter = self._errors.get(class_name)
        if counter is None:
            counter = self._join("errors", class_name)
            if len(self._errors) < _CACHE_LIMIT:
                self._errors[class_name] = counter
        return counter


class MetricsBaseplateObserver(BaseplateObserver):
    """Reports request timings and outcomes to statsd.

    For each request it makes a :class:`~baseplate.metrics.Batch` and puts it on the context
    object as ``metrics``, where the application can add metrics of its own; the batch is
    flushed when the request's server span finishes, so a request's metrics go out together
    in as few datagrams as possible. It records, under the client's namespace:

    * for the server span: a timer ``server.<span name>`` and a counter
      ``server.<span name>.success`` or ``server.<span name>.failure`` (failure when the span
      finished with an exception);
    * for each client span (a call to another service, made by ``make_child``): a timer
      ``clients.<span name>``, a counter ``clients.<span name>.success`` or ``.failure``, and
      for each ``span.log("error.object", exception)`` a counter
      ``errors.<exception class name>``;
    * for each local span: a timer ``<component name>.<span name>``.

    Children of child spans are recorded the same way. Characters a metric name cannot hold
    (anything but printable ASCII, ``:`` and ``|``) are replaced by ``_`` in span names.

    Usually installed by :meth:`Baseplate.configure_metrics
    <baseplate.core.Baseplate.configure_metrics>`.

    Args:
        client: The client where metrics will be sent.

    .. versionadded:: 0.1.0
    """

    def __init__(self, client: Client) -> None:
        self.client = client
        self._names = _Names(client.namespace)

    def on_server_span_created(self, context: Any, server_span: ServerSpan) -> None:
        """Put a fresh batch on ``context.metrics`` and start watching the request."""
        batch = self.client.batch()
        context.metrics = batch
        server_span.register(_ServerObserver(batch, self._names, server_span.name))


class _SpanObserverBase(SpanObserver):
    """Records a span's duration in a batch and watches its children.

    The subclasses' hooks are written out in full rather than sharing helpers: each saved
    call is a measurable part of the per-request cost.
    """

    __slots__ = ("_batch", "_names", "_start")

    _batch: Batch
    _names: _Names
    _start: float | None

    def on_start(self) -> None:
        self._start = _now()

    def on_child_span_created(self, span: Span) -> None:
        if isinstance(span, LocalSpan):
            timer = self._names.local(span.component_name, span.name)
            span.register(_LocalObserver(self._batch, self._names, timer))
        else:
            span.register(_ClientObserver(self._batch, self._names, span.name))


class _ServerObserver(_SpanObserverBase):
    __slots__ = ("_outcomes",)

    def __init__(self, batch: Batch, names: _Names, span_name: str) -> None:
        self._batch = batch
        self._names = names
        self._start = None
        self._outcomes = names.server_names.get(span_name) or names.server(span_name)

    def on_finish(self, exc_info: ExcInfo | None) -> None:
        timer, success, failure = self._outcomes
        batch = self._batch
        start = self._start
        if start is not None:
            batch._lines.append(f"{timer}:{(_now() - start) * 1000.0:g}|ms")
        counter = failure if exc_info is not None else success
        counters = batch._counters
        counters[counter] = counters.get(counter, 0.0) + 1.0
        batch.flush()


class _ClientObserver(_SpanObserverBase):
    __slots__ = ("_outcomes",)

    def __init__(self, batch: Batch, names: _Names, span_name: str) -> None:
        self._batch = batch
        self._names = names
        self._start = None
        self._outcomes = names.client_names.get(span_name) or names.client(span_name)

    def on_log(self, name: str, payload: Any) -> None:
        if name == "error.object":
            counter = self._names.error(type(payload).__name__)
            counters = self._batch._counters
            counters[counter] = counters.get(counter, 0.0) + 1.0

    def on_finish(self, exc_info: ExcInfo | None) -> None:
        timer, success, failure = self._outcomes
        batch = self._batch
        start = self._start
        if start is not None:
            batch._lines.append(f"{timer}:{(_now() - start) * 1000.0:g}|ms")
        counter = failure if exc_info is not None else success
        counters = batch._counters
        counters[counter] = counters.get(counter, 0.0) + 1.0


class _LocalObserver(_SpanObserverBase):
    __slots__ = ("_timer",)

    def __init__(self, batch: Batch, names: _Names, timer: str) -> None:
        self._batch = batch
        self._names = names
        self._start = None
        self._timer = timer

    def on_finish(self, exc_info: ExcInfo | None) -> None:
        start = self._start
        if start is not None:
            self._batch._lines.append(f"{self._timer}:{(_now() - start) * 1000.0:g}|ms")
