"""Spans: the units of work in a trace (a request, a client call, a local operation)."""

from __future__ import annotations

import logging
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ._errors import ParentSpanAlreadyFinishedError
from ._trace_info import new_span_id

if TYPE_CHECKING:
    from ._observer import ExcInfo, SpanObserver

logger = logging.getLogger("baseplate.core")


def _report_observer_failure(observer: object, hook: str) -> None:
    logger.exception("Observer %r raised in %s; the request goes on without it", observer, hook)


class Span:
    """A span represents a single operation within a trace, such as one call to a service.

    Spans are made by :meth:`Baseplate.make_server_span
    <baseplate.core.Baseplate.make_server_span>` and :meth:`make_child`; applications rarely
    construct them directly. Every event (start, tag, log, finish, child created) is passed to
    the span's observers in registration order; an observer that raises is logged and skipped.

    When the span finishes it drops its context and its observers, so a finished span holds
    no references that could form a cycle with the request's objects.

    Attributes:
        trace_id: The ID of the trace this span belongs to.
        parent_id: The ID of the parent span, or ``None`` for a root span.
        id: This span's ID.
        sampled: Whether the trace is being recorded, or ``None`` if not yet decided.
        flags: Trace flags, or ``None``.
        name: What this span is doing, e.g. a route, an RPC method or ``redis.GET``.
        context: The context object in which this span runs (``None`` once finished).
        observers: The observers watching this span.
    """

    __slots__ = (
        "context",
        "finished",
        "flags",
        "id",
        "name",
        "observers",
        "parent_id",
        "sampled",
        "trace_id",
    )

    def __init__(
        self,
        trace_id: int,
        parent_id: int | None,
        span_id: int,
        sampled: bool | None,
        flags: int | None,
        name: str,
        context: Any,
    ) -> None:
        self.trace_id = trace_id
        self.parent_id = parent_id
        self.id = span_id
        self.sampled = sampled
        self.flags = flags
        self.name = name
        self.context = context
        self.observers: list[SpanObserver] = []
        self.finished = False

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.name!r} trace_id={self.trace_id} "
            f"parent_id={self.parent_id} id={self.id}>"
        )

    def register(self, observer: SpanObserver) -> None:
        """Register an observer to receive events from this span."""
        self.observers.append(observer)

    def start(self) -> None:
        """Record the start of the span: observers' timers start ticking."""
        for observer in self.observers:
            try:
                observer.on_start()
            except Exception:
                _report_observer_failure(observer, "on_start")

    def set_tag(self, key: str, value: Any) -> None:
        """Set a tag on the span.

        Tags are key/value pairs that give the span meaning, such as a URL or a status code.
        Observers interpret or ignore them as they see fit.

        Args:
            key: The name of the tag.
            value: The value of the tag: a string, boolean or number.
        """
        for observer in self.observers:
            try:
                observer.on_set_tag(key, value)
            except Exception:
                _report_observer_failure(observer, "on_set_tag")

    def log(self, name: str, payload: Any = None) -> None:
        """Add a timestamped log entry to the span.

        Args:
            name: A stable identifier for this kind of entry.
            payload: Optional data for the entry.
        """
        for observer in self.observers:
            try:
                observer.on_log(name, payload)
            except Exception:
                _report_observer_failure(observer, "on_log")

    def finish(self, exc_info: ExcInfo | None = None) -> None:
        """Record the end of the span.

        Every observer's ``on_finish`` runs even if an earlier one raised. The span then
        drops its context and observers; finishing it again does nothing.

        Args:
            exc_info: The exception information if the span ended because of an exception
                (as from :func:`sys.exc_info`), else ``None``.
        """
        if self.finished:
            return
        self.finished = True
        observers = self.observers
        for observer in observers:
            try:
                observer.on_finish(exc_info)
            except Exception:
                _report_observer_failure(observer, "on_finish")
        self.observers = []
        self.context = None

    def make_child(self, name: str, local: bool = False, component_name: str | None = None) -> Span:
        """Return a child span whose parent is this span.

        A plain child represents a call to another service (or a database, a cache, ...) and
        shares this span's context. A local child (``local=True``) represents work done
        inside this service by the component ``component_name``; it gets a context of its
        own, so client objects used through ``child.context`` record their calls as children
        of the local span.

        The child has this span's trace id, sampling decision and flags, a fresh id, and this
        span's id as its parent. Observers of this span hear of it through
        ``on_child_span_created`` before it is returned; it is not started.

        Args:
            name: The operation the child records.
            local: Make a :class:`LocalSpan` if true, else a plain :class:`Span`.
            component_name: The local component's name; required when ``local`` is true.

        Raises:
            ValueError: if ``local`` is true and no ``component_name`` is given.
            ParentSpanAlreadyFinishedError: if this span has already finished.
        """
        if self.finished:
            raise ParentSpanAlreadyFinishedError(self.name, name)
        child: Span
        if local:
            if component_name is None:
                raise ValueError("a local span needs a component_name")
            child = LocalSpan(
                self.trace_id,
                self.id,
                new_span_id(),
                self.sampled,
                self.flags,
                name,
                None,
                component_name,
            )
            clone = getattr(self.context, "clone_for_span", None)
            child.context = clone(child) if clone is not None else self.context
        else:
            child = Span(
                self.trace_id,
                self.id,
                new_span_id(),
                self.sampled,
                self.flags,
                name,
                self.context,
            )
        for observer in self.observers:
            try:
                observer.on_child_span_created(child)
            except Exception:
                _report_observer_failure(observer, "on_child_span_created")
        return child

    def __enter__(self) -> Span:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None and exc_value is not None:
            self.finish((exc_type, exc_value, traceback))
        else:
            self.finish()


class LocalSpan(Span):
    """A span for work done inside this service, by a named component.

    Attributes:
        component_name: The component doing the work (``None`` for a server span).
    """

    __slots__ = ("component_name",)

    def __init__(
        self,
        trace_id: int,
        parent_id: int | None,
        span_id: int,
        sampled: bool | None,
        flags: int | None,
        name: str,
        context: Any,
        component_name: str | None = None,
    ) -> None:
        # Span.__init__ written out again, and this one again in ServerSpan: an __init__
        # shared by two classes whose instances are made by turns (a request's server span
        # and its local or client spans) stores attributes into both, which CPython 3.11
        # cannot keep specialized; about 3k machine instructions per request with one local
        # span (bench_thrift_call.py --instructions).
        self.trace_id = trace_id
        self.parent_id = parent_id
        self.id = span_id
        self.sampled = sampled
        self.flags = flags
        self.name = name
        self.context = context
        self.observers: list[SpanObserver] = []
        self.finished = False
        self.component_name = component_name

    def __enter__(self) -> LocalSpan:
        self.start()
        return self


class ServerSpan(LocalSpan):
    """A span representing one request this server is handling.

    It is available on the context object during the request as ``context.trace``.
    """

    __slots__ = ()

    def __init__(
        self,
        trace_id: int,
        parent_id: int | None,
        span_id: int,
        sampled: bool | None,
        flags: int | None,
        name: str,
        context: Any,
        component_name: str | None = None,
    ) -> None:
        # LocalSpan.__init__ written out again; see the comment there.
        self.trace_id = trace_id
        self.parent_id = parent_id
        self.id = span_id
        self.sampled = sampled
        self.flags = flags
        self.name = name
        self.context = context
        self.observers: list[SpanObserver] = []
        self.finished = False
        self.component_name = component_name

    def __enter__(self) -> ServerSpan:
        self.start()
        return self
