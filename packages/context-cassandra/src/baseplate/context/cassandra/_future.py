"""The future of a query made through the context's session, and its span's callbacks."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from cassandra.cluster import ResponseFuture, ResultSet

from baseplate.core import Span

# How long result() waits, once the driver has the result, for the callback that finishes
# the span: the driver wakes result() before it runs the callbacks, in another thread.
_CALLBACK_WAIT = 0.01


class _SpanFinisher:
    """The callbacks that finish one query's span, and the event saying it is finished."""

    __slots__ = ("done", "span")

    def __init__(self, span: Span) -> None:
        self.span = span
        self.done = threading.Event()

    def on_result(self, _result: Any) -> None:
        try:
            self.span.finish()
        finally:
            self.done.set()

    def on_error(self, error: BaseException) -> None:
        try:
            self.span.finish((type(error), error, error.__traceback__))
        finally:
            self.done.set()


class CassandraResponseFuture:
    """The future of one query made through the context's session; wraps the driver's.

    It behaves as the driver's :class:`cassandra.cluster.ResponseFuture` (every attribute not
    defined here is the driver future's), with one difference: :meth:`result` returns only
    once the query's span has finished (or after at most 10 ms more), so a request that
    waits for a result sees the span of that query over.

    Made by :meth:`CassandraSessionAdapter.execute_async`; not usually built directly.

    Args:
        future: The driver's future of the query.
        span_finished: Set once the query's span has finished.

    Attributes:
        future: The driver's :class:`~cassandra.cluster.ResponseFuture`.

    .. versionadded:: 0.1.0
    """

    def __init__(self, future: ResponseFuture, span_finished: threading.Event) -> None:
        self.future = future
        self._span_finished = span_finished

    def result(self) -> ResultSet:
        """Wait for the query's result and return it, as the driver's future does.

        Raises:
            Exception: what the query failed with (e.g.
                :exc:`cassandra.OperationTimedOut`, :exc:`cassandra.InvalidRequest`).
        """
        try:
            return self.future.result()
        finally:
            self._span_finished.wait(_CALLBACK_WAIT)

    def add_callback(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Call ``fn(result, *args, **kwargs)`` when the result arrives (see the driver's)."""
        self.future.add_callback(fn, *args, **kwargs)

    def add_errback(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Call ``fn(exception, *args, **kwargs)`` if the query fails (see the driver's)."""
        self.future.add_errback(fn, *args, **kwargs)

    def add_callbacks(
        self,
        callback: Callable[..., Any],
        errback: Callable[..., Any],
        callback_args: tuple[Any, ...] = (),
        callback_kwargs: dict[str, Any] | None = None,
        errback_args: tuple[Any, ...] = (),
        errback_kwargs: dict[str, Any] | None = None,
    ) -> None:
        """Add a callback and an errback at once (see the driver's)."""
        self.future.add_callbacks(
            callback,
            errback,
            callback_args=callback_args,
            callback_kwargs=callback_kwargs,
            errback_args=errback_args,
            errback_kwargs=errback_kwargs,
        )

    def __getattr__(self, name: str) -> Any:
        if name == "future":  # not set yet (a copy being made): no recursion
            raise AttributeError(name)
        return getattr(self.future, name)

    def __repr__(self) -> str:
        return f"<CassandraResponseFuture of {self.future!r}>"
