"""The metrics observer: request timings and outcomes, sent to statsd."""

from __future__ import annotations

import time
from typing import Any

from baseplate.core import (
    BaseplateObserver,
    ExcInfo,
    LocalSpan,
    ServerSpan,
    Span,
    SpanObserver,
)
from baseplate.metrics import Batch, BufferedTransport, Client
from baseplate.metrics._aggregator import MeasurementAggregator
from baseplate.metrics._instruments import MeasurementSink
from baseplate.metrics._names import join_name, sanitize_node

# This module is part of the baseplate-metrics distribution, so it may use the package's
# private modules. Every span observer only appends one raw measurement per span to a
# list-like ``records`` object (a MeasurementSink), which keeps the cost per span to a few
# hundred nanoseconds:
#
# * with a client that sends from a background worker (a BufferedTransport, the default of
#   metrics_client_from_config), ``records`` is a deque shared by all requests, formatted into
#   statsd lines by the worker at each flush (MeasurementAggregator);
# * with a client that sends at once, ``records`` writes each measurement into the request's
#   batch (Batch._measurement_sink()), which is sent when the server span finishes.

_now = time.perf_counter
_new = object.__new__

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
        self.local_names: dict[tuple[str | None, str], str] = {}
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
        timer = self.local_names.get(key)
        if timer is None:
            timer = self._join(component_name or "local", name)
            if len(self.local_names) < _CACHE_LIMIT:
                self.local_names[key] = timer
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

    For each request it puts a :class:`~baseplate.metrics.Batch` on the context object as
    ``metrics``, where the application can add metrics of its own; the batch is flushed when
    the request's server span finishes. It records, under the client's namespace:

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

    How these go out depends on the client's transport:

    * a client that sends at once (:func:`~baseplate.metrics.make_client` without
      ``flush_interval``) gets them in the request's batch, so each request's metrics leave
      together, in as few datagrams as possible, when the request ends;
    * a client with a background worker (:class:`~baseplate.metrics.BufferedTransport`, what
      :func:`~baseplate.metrics.metrics_client_from_config` makes by default) gets them from
      the worker, which formats the timings kept since its last flush and sends each counter
      once with its total (``server.<span name>.success:250|c``). Requests then do almost no
      metrics work: no line is formatted on the request path. If the worker cannot run for
      long (more than 200,000 measurements wait), the waiting ones are dropped, counted and
      warned about.

    Usually installed by :meth:`Baseplate.configure_metrics
    <baseplate.core.Baseplate.configure_metrics>`.

    Args:
        client: The client where metrics will be sent.

    .. versionadded:: 0.1.0
    """

    def __init__(self, client: Client) -> None:
        self.client = client
        self._names = _Names(client.namespace)
        transport = client.transport
        self._transport = transport
        self._namespace = client.namespace
        self._aggregator = (
            MeasurementAggregator(transport) if isinstance(transport, BufferedTransport) else None
        )

    def on_server_span_created(self, context: Any, server_span: ServerSpan) -> None:
        """Put the request's batch on ``context.metrics`` and start watching the request."""
        # _RequestObserver(...) written out: no __init__ frame on every request.
        observer = _new(_RequestObserver)
        observer._transport = self._transport
        observer._namespace = self._namespace
        observer._lines = []
        observer._counters = {}
        names = self._names
        observer._names = names
        span_name = server_span.name
        observer._outcomes = names.server_names.get(span_name) or names.server(span_name)
        observer._start = None
        aggregator = self._aggregator
        observer._aggregator = aggregator
        observer._records = (
            observer._measurement_sink() if aggregator is None else aggregator.records
        )
        context.metrics = observer
        server_span.register(observer)


class _ChildWatcher(SpanObserver):
    """What every span observer here does: time the span and watch its children.

    The subclasses declare the slots (a layout shared with Batch is not possible) and write
    out their hooks in full: each saved call is a measurable part of the per-request cost.
    """

    __slots__ = ()

    _names: _Names
    _records: MeasurementSink
    _start: float | None

    def on_start(self) -> None:
        # Every subclass has a _start slot; this class cannot declare it (see above).
        self._start = _now()  # type: ignore[misc]

    def on_child_span_created(self, span: Span) -> None:
        names = self._names
        if isinstance(span, LocalSpan):
            # Made slot by slot (no __init__ frame), the cached name read
            # directly, for the most common child span.
            observer = _new(_LocalObserver)
            observer._records = self._records
            observer._names = names
            observer._start = None
            observer._timer = names.local_names.get(
                (span.component_name, span.name)
            ) or names.local(span.component_name, span.name)
            span.register(observer)
        else:
            span.register(_ClientObserver(self._records, names, span.name))


class _RequestObserver(Batch, _ChildWatcher):
    """A request's batch (``context.metrics``), and the observer of its server span.

    Made by :meth:`MetricsBaseplateObserver.on_server_span_created`, slot by slot.
    """

    __slots__ = ("_aggregator", "_names", "_outcomes", "_records", "_start")

    _aggregator: MeasurementAggregator | None
    _outcomes: tuple[str, str, str]

    def on_finish(self, exc_info: ExcInfo | None) -> None:
        timer, success, failure = self._outcomes
        counter = success if exc_info is None else failure
        start = self._start
        records = self._records
        if start is None:  # finished without being started: counted, not timed
            records.append((None, 0.0, counter))
        else:
            records.append((timer, _now() - start, counter))
        aggregator = self._aggregator
        if aggregator is None:
            self.flush()
            return
        if self._lines or self._counters:  # the application's own metrics
            self.flush()
        # records is the aggregator's deque here (read from a local: this runs per request).
        if len(records) >= aggregator.check_at:  # type: ignore[arg-type]
            aggregator.check()


class _ClientObserver(_ChildWatcher):
    __slots__ = ("_names", "_outcomes", "_records", "_start")

    def __init__(self, records: MeasurementSink, names: _Names, span_name: str) -> None:
        self._records = records
        self._names = names
        self._start = None
        self._outcomes = names.client_names.get(span_name) or names.client(span_name)

    def on_log(self, name: str, payload: Any) -> None:
        if name == "error.object":
            self._records.append((None, 0.0, self._names.error(type(payload).__name__)))

    def on_finish(self, exc_info: ExcInfo | None) -> None:
        timer, success, failure = self._outcomes
        counter = success if exc_info is None else failure
        start = self._start
        if start is None:
            self._records.append((None, 0.0, counter))
        else:
            self._records.append((timer, _now() - start, counter))


class _LocalObserver(_ChildWatcher):
    """Made by :meth:`_ChildWatcher.on_child_span_created`, slot by slot."""

    __slots__ = ("_names", "_records", "_start", "_timer")

    _timer: str

    def on_finish(self, exc_info: ExcInfo | None) -> None:
        start = self._start
        if start is not None:
            self._records.append((self._timer, _now() - start, None))
