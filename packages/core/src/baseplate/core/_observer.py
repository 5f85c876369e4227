"""The observer interfaces: how diagnostics learn about requests and spans.

Every hook is called on the greenlet (or thread) that handles the request, synchronously,
in registration order. A hook must not raise: the span guards each call, logs a failure with
the observer's name, and carries on with the remaining observers, so a broken observer can
never break a request. Hooks should be cheap; anything slow (network I/O) belongs on a
background worker.
"""

from __future__ import annotations

import abc
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from ._span import ServerSpan, Span

#: The exception information passed to :meth:`SpanObserver.on_finish`, as returned by
#: :func:`sys.exc_info`; ``None`` when the span finished normally.
ExcInfo: TypeAlias = tuple[type[BaseException], BaseException, TracebackType | None]


class SpanObserver:
    """Interface for an observer that watches one span.

    All hooks do nothing by default; override the ones you need.
    """

    # No instance dictionary of its own: an observer with __slots__ stays small and quick to
    # make (one is made per span); subclasses without __slots__ get a dictionary as usual.
    __slots__ = ()

    def on_start(self) -> None:
        """Called when the observed span starts: timers should start ticking."""

    def on_set_tag(self, key: str, value: Any) -> None:
        """Called when a tag is set on the observed span.

        Args:
            key: The tag's name.
            value: The tag's value: a string, boolean or number.
        """

    def on_log(self, name: str, payload: Any) -> None:
        """Called when a log entry is added to the observed span.

        Args:
            name: A stable identifier for the kind of entry (e.g. ``"error.object"``).
            payload: Arbitrary data attached to the entry, or ``None``.
        """

    def on_finish(self, exc_info: ExcInfo | None) -> None:
        """Called when the observed span finishes.

        Args:
            exc_info: The exception information if the span ended because of an exception,
                else ``None``.
        """

    def on_child_span_created(self, span: Span) -> None:
        """Called when a child span of the observed span is created, before it starts.

        This is where an observer registers its own observer on the child.

        Args:
            span: The new child span.
        """


class ServerSpanObserver(SpanObserver):
    """Interface for an observer that watches a server span (one request)."""

    __slots__ = ()


class BaseplateObserver(abc.ABC):
    """Interface for an observer that watches a :class:`~baseplate.core.Baseplate`."""

    @abc.abstractmethod
    def on_server_span_created(self, context: Any, server_span: ServerSpan) -> None:
        """Called when a request begins, after its server span is made and before it starts.

        The observer may register :class:`ServerSpanObserver` objects on the span and add
        attributes to the context object.

        Args:
            context: The context object for this request (the framework's own object, e.g.
                the Pyramid request, or a :class:`~baseplate.core.RequestContext`).
            server_span: The span representing this request.
        """
