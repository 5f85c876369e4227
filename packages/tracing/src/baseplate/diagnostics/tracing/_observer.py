"""The tracing observers: sampling, and turning spans into Zipkin v1 JSON for the recorder."""

from __future__ import annotations

import random
import time
import warnings
from typing import TYPE_CHECKING, Any

from baseplate.core import (
    FLAG_DEBUG,
    BaseplateObserver,
    ExcInfo,
    LocalSpan,
    ServerSpan,
    ServerSpanObserver,
    Span,
    SpanObserver,
)

from ._zipkin import (
    ANNOTATIONS,
    MAX_TAG_KEY_LENGTH,
    MAX_TAG_VALUE_LENGTH,
    MAX_TAGS_PER_SPAN,
    ZipkinSpan,
)

if TYPE_CHECKING:
    from ._client import TracingClient

_random = random.random
_time_ns = time.time_ns
_perf_ns = time.perf_counter_ns


class TraceSpanObserver(ZipkinSpan, SpanObserver):
    """Records one client span: a call this service makes to another (``cs``/``cr``).

    The observer is the :class:`ZipkinSpan` it records: it copies the span's identifiers when
    it is made (so it holds no reference to the span), collects the tags, and when the span
    finishes it fills in the timing and hands itself to the client's recorder.

    Args:
        client: The tracing client (service endpoint and recorder).
        span: The span to record.
    """

    _kind_annotations: tuple[str, str] | tuple[()] = (
        ANNOTATIONS["CLIENT_SEND"],
        ANNOTATIONS["CLIENT_RECEIVE"],
    )

    __slots__ = ("client", "flags", "max_tags", "start_ns")

    def __init__(self, client: TracingClient, span: Span) -> None:
        # ZipkinSpan.__init__ written out: one observer (one span record) per traced span.
        self.trace_id = span.trace_id
        self.name = span.name
        self.id = span.id
        self.parent_id = span.parent_id or 0
        self.timestamp = 0
        self.duration = 0
        self.annotations = self._kind_annotations
        self.binary_annotations: list[tuple[str, bool | str]] = []
        self.endpoint = client.endpoint
        self.client = client
        self.flags = span.flags
        self.start_ns = -1
        # The annotations this observer adds itself (lc) do not count against the limit.
        self.max_tags = MAX_TAGS_PER_SPAN

    def on_start(self) -> None:
        """Note the start time."""
        self.timestamp = _time_ns() // 1000
        self.start_ns = _perf_ns()

    def on_set_tag(self, key: str, value: Any) -> None:
        """Record the tag as a binary annotation (non-bool, non-str values as ``str``).

        Spans hold bounded data: keys longer than 128 characters and values longer than
        1,024 are cut to those lengths, and past 64 tags (an ``lc`` annotation aside) new
        ones are dropped, counted in the client's ``dropped_tags`` and warned about at a
        limited rate.
        """
        if value is not True and value is not False:
            if type(value) is not str:
                value = str(value)
            if len(value) > MAX_TAG_VALUE_LENGTH:
                value = value[:MAX_TAG_VALUE_LENGTH]
        if len(key) > MAX_TAG_KEY_LENGTH:
            key = key[:MAX_TAG_KEY_LENGTH]
        if len(self.binary_annotations) >= self.max_tags:
            self.client.drop_tag(self.name, key)
            return
        self.binary_annotations.append((key, value))

    def on_child_span_created(self, span: Span) -> None:
        """Record the child too (a local child with a local-span observer)."""
        observer: SpanObserver
        if isinstance(span, LocalSpan):
            observer = TraceLocalSpanObserver(self.client, span)
        else:
            observer = TraceSpanObserver(self.client, span)
        span.register(observer)

    def on_finish(self, exc_info: ExcInfo | None) -> None:
        """Fill in the duration and the outcome, and hand this span to the recorder."""
        end_ns = _perf_ns()
        if self.start_ns < 0:  # finished without being started
            self.timestamp = _time_ns() // 1000
            self.start_ns = end_ns
        self.duration = (end_ns - self.start_ns) // 1000
        if exc_info is not None:
            self.binary_annotations.append((ANNOTATIONS["ERROR"], True))
        flags = self.flags
        if flags and flags & FLAG_DEBUG:
            self.binary_annotations.append((ANNOTATIONS["DEBUG"], True))
        self.client.recorder.send(self)


class TraceLocalSpanObserver(TraceSpanObserver):
    """Records a local span: work inside this service, tagged ``lc`` with its component.

    Local spans carry no timing annotations; ``timestamp`` and ``duration`` give the timing.
    """

    _kind_annotations = ()

    __slots__ = ()

    def __init__(self, client: TracingClient, span: Span) -> None:
        # TraceSpanObserver.__init__ written out rather than called. Not for the call: CPython
        # specializes each attribute store for the one class it sees there, and a shared
        # __init__ storing into the server's and the local spans' observers by turns keeps
        # missing that (about 7k more machine instructions per traced request with one local
        # span, bench_thrift_call.py --instructions). test_span_observer_inits_match keeps
        # the copies in step.
        self.trace_id = span.trace_id
        self.name = span.name
        self.id = span.id
        self.parent_id = span.parent_id or 0
        self.timestamp = 0
        self.duration = 0
        self.annotations = ()
        self.endpoint = client.endpoint
        self.client = client
        self.flags = span.flags
        self.start_ns = -1
        component_name = getattr(span, "component_name", None)
        if component_name is None:
            self.binary_annotations = []
            self.max_tags = MAX_TAGS_PER_SPAN
        else:
            self.binary_annotations = [(ANNOTATIONS["LOCAL_COMPONENT"], component_name)]
            self.max_tags = MAX_TAGS_PER_SPAN + 1


class TraceServerSpanObserver(TraceSpanObserver, ServerSpanObserver):
    """Records a server span: one request this service handles (``sr``/``ss``)."""

    _kind_annotations = (ANNOTATIONS["SERVER_RECEIVE"], ANNOTATIONS["SERVER_SEND"])

    __slots__ = ()

    def __init__(self, client: TracingClient, span: Span) -> None:
        # TraceSpanObserver.__init__ written out, as in TraceLocalSpanObserver and for the same
        # reason: shared with the client spans' observers, its attribute stores see two
        # classes by turns in a request that makes calls. test_span_observer_inits_match
        # keeps the copies in step.
        self.trace_id = span.trace_id
        self.name = span.name
        self.id = span.id
        self.parent_id = span.parent_id or 0
        self.timestamp = 0
        self.duration = 0
        self.annotations = self._kind_annotations
        self.binary_annotations: list[tuple[str, bool | str]] = []
        self.endpoint = client.endpoint
        self.client = client
        self.flags = span.flags
        self.start_ns = -1
        self.max_tags = MAX_TAGS_PER_SPAN


class TraceBaseplateObserver(BaseplateObserver):
    """Distributed tracing: records sampled requests, and their child spans, as Zipkin spans.

    For each request the observer decides whether to record it: the upstream's decision if
    it sent one (``span.sampled`` is not ``None``), else a random draw against the client's
    ``sample_rate``; a request with the debug flag is always recorded. The decision is stored
    on the server span (``server_span.sampled``), so child spans and the calls the request
    makes to other services carry it. Requests that are not sampled get no span observers
    and cost almost nothing.

    Register it with :meth:`Baseplate.configure_tracing
    <baseplate.core.Baseplate.configure_tracing>`.

    Args:
        client: The tracing client to record spans with. Passing a service name instead, with
            :func:`make_client`'s other arguments after it, is the original framework's
            older form; it still works but is deprecated.
    """

    def __init__(self, client: TracingClient | str, *args: Any, **kwargs: Any) -> None:
        if isinstance(client, str):
            from ._client import make_client

            warnings.warn(
                "passing a service name to configure_tracing is deprecated; pass a "
                "TracingClient, e.g. from tracing_client_from_config(app_config)",
                DeprecationWarning,
                stacklevel=3,
            )
            client = make_client(client, *args, **kwargs)
        elif args or kwargs:
            raise TypeError("TraceBaseplateObserver takes only a TracingClient")
        self.client = client

    def should_sample(self, span: Span) -> bool:
        """Return whether to record the trace ``span`` belongs to."""
        if span.flags and span.flags & FLAG_DEBUG:
            return True
        if span.sampled is not None:
            return span.sampled
        return _random() < self.client.sample_rate

    def on_server_span_created(self, context: Any, server_span: ServerSpan) -> None:
        """Make the sampling decision and, if sampled, observe the request's spans."""
        sampled = self.should_sample(server_span)
        server_span.sampled = sampled
        if sampled:
            server_span.register(TraceServerSpanObserver(self.client, server_span))
