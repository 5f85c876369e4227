"""The session proxy on each request's context, and its context factory."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from cassandra.cluster import EXEC_PROFILE_DEFAULT, ResponseFuture, ResultSet, Session
from cassandra.query import BatchStatement, BoundStatement, PreparedStatement, Statement

from baseplate.core import ContextFactory, Span

#: The longest statement text a span's ``statement`` tag holds; longer text is cut there.
STATEMENT_TAG_LIMIT = 1000

# How long result() waits, once the driver has the result, for the callback that finishes
# the span: the driver wakes result() before it runs the callbacks, in another thread.
_CALLBACK_WAIT = 0.01

_DEFAULT_CACHE_SIZE = 1000


class _Unset:
    """The ``timeout`` not given: the execution profile's request timeout applies."""

    def __repr__(self) -> str:
        return "<the execution profile's timeout>"


_UNSET: Any = _Unset()


def statement_text(query: Any) -> str:
    """Return the CQL text of a query, as the ``statement`` tag holds it.

    A string is the text itself; a simple or prepared statement gives its query string, a
    bound statement its prepared statement's; a batch is ``BATCH``. Bound values are never
    part of it. Text longer than :data:`STATEMENT_TAG_LIMIT` is cut there and ends in ``...``.
    """
    if isinstance(query, str):
        text = query
    elif isinstance(query, BoundStatement):
        text = query.prepared_statement.query_string
    elif isinstance(query, BatchStatement):
        text = "BATCH"
    elif isinstance(query, (PreparedStatement, Statement)):
        text = getattr(query, "query_string", None) or type(query).__name__
    else:
        text = type(query).__name__
    if len(text) > STATEMENT_TAG_LIMIT:
        text = text[: STATEMENT_TAG_LIMIT - 3] + "..."
    return text


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
        return getattr(self.future, name)

    def __repr__(self) -> str:
        return f"<CassandraResponseFuture of {self.future!r}>"


class _StatementCache:
    """Prepared statements by (query text, keyspace), the least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._statements: OrderedDict[tuple[str, str | None], PreparedStatement] = OrderedDict()

    def get(self, key: tuple[str, str | None]) -> PreparedStatement | None:
        with self._lock:
            statement = self._statements.get(key)
            if statement is not None:
                self._statements.move_to_end(key)
            return statement

    def put(self, key: tuple[str, str | None], statement: PreparedStatement) -> None:
        with self._lock:
            self._statements[key] = statement
            self._statements.move_to_end(key)
            while len(self._statements) > self.size:
                self._statements.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._statements)


class CassandraSessionAdapter:
    """A :class:`cassandra.cluster.Session` whose queries are child spans of a request's span.

    :meth:`execute`, :meth:`execute_async` and :meth:`prepare` take the driver's arguments
    and record a span each; every other attribute (``keyspace``, ``set_keyspace``,
    ``row_factory``, ``cluster``, ...) is the wrapped session's.

    Made by :class:`CassandraContextFactory` for each request; not usually built directly.

    Args:
        name: The context attribute the session is on, for span names.
        span: The span of the request (or local span) the session belongs to.
        factory: The factory whose session is wrapped, and in whose cache (shared by every
            request) :meth:`prepare` keeps statements.

    Attributes:
        session: The driver's session, whose calls are not traced.

    .. versionadded:: 0.1.0
    """

    def __init__(self, name: str, span: Span, factory: CassandraContextFactory) -> None:
        self.name = name
        self.span = span
        self.session = factory.session
        self._prepared_statements = factory.prepared_statements
        self._execute_name = f"{name}.execute"
        self._prepare_name = f"{name}.prepare"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)

    def execute(
        self,
        query: Any,
        parameters: Any = None,
        timeout: Any = _UNSET,
        trace: bool = False,
        custom_payload: dict[str, bytes] | None = None,
        execution_profile: Any = EXEC_PROFILE_DEFAULT,
        paging_state: bytes | None = None,
        host: Any = None,
        execute_as: str | None = None,
    ) -> ResultSet:
        """Run a query and wait for its result, in a span named ``<name>.execute``.

        Takes the arguments of :meth:`cassandra.cluster.Session.execute`, in its order.

        Returns:
            The query's :class:`~cassandra.cluster.ResultSet`.

        Raises:
            Exception: what the driver raises (e.g. :exc:`cassandra.InvalidRequest`,
                :exc:`cassandra.OperationTimedOut`); the span is finished with it.
        """
        return self.execute_async(
            query,
            parameters,
            trace,
            custom_payload,
            timeout,
            execution_profile,
            paging_state,
            host,
            execute_as,
        ).result()

    def execute_async(
        self,
        query: Any,
        parameters: Any = None,
        trace: bool = False,
        custom_payload: dict[str, bytes] | None = None,
        timeout: Any = _UNSET,
        execution_profile: Any = EXEC_PROFILE_DEFAULT,
        paging_state: bytes | None = None,
        host: Any = None,
        execute_as: str | None = None,
    ) -> CassandraResponseFuture:
        """Start a query and return its future; its span ends when the future completes.

        Takes the arguments of :meth:`cassandra.cluster.Session.execute_async`, in its
        order. The span, ``<name>.execute`` tagged ``statement`` with the query's text, is
        started here and finished by a callback on the driver's future: with nothing when
        the result arrives, with the exception when the query fails. That may be after the
        request's own span has finished.

        Returns:
            The query's future.

        Raises:
            Exception: what the driver raises before sending the query (e.g. wrong
                parameters for the statement); the span is finished with it.
        """
        span = self.span.make_child(self._execute_name)
        span.start()
        span.set_tag("statement", statement_text(query))
        finisher = _SpanFinisher(span)
        options: dict[str, Any] = {
            "trace": trace,
            "custom_payload": custom_payload,
            "execution_profile": execution_profile,
            "paging_state": paging_state,
            "host": host,
            "execute_as": execute_as,
        }
        if timeout is not _UNSET:
            options["timeout"] = timeout
        try:
            future = self.session.execute_async(query, parameters, **options)
        except BaseException as error:
            finisher.on_error(error)
            raise
        future.add_callbacks(finisher.on_result, finisher.on_error)
        return CassandraResponseFuture(future, finisher.done)

    def prepare(
        self,
        query: str,
        cache: bool = True,
        custom_payload: dict[str, bytes] | None = None,
        keyspace: str | None = None,
    ) -> PreparedStatement:
        """Prepare a statement, in a span named ``<name>.prepare``, or take it from the cache.

        With ``cache`` true, a statement already prepared by this factory (in any request)
        for the same text and keyspace is returned at once, without a span or a round trip
        to the server; otherwise it is prepared and, with ``cache`` true, kept.

        Args:
            query: The statement's CQL text, with ``?`` or ``:name`` markers.
            cache: Whether to look the statement up in, and add it to, the factory's cache.
            custom_payload: As for :meth:`cassandra.cluster.Session.prepare`.
            keyspace: As for :meth:`cassandra.cluster.Session.prepare`.

        Returns:
            The prepared statement.

        Raises:
            Exception: what the driver raises (e.g. :exc:`cassandra.InvalidRequest` for a
                statement the server refuses); the span is finished with it.
        """
        key = (query, keyspace)
        if cache:
            statement = self._prepared_statements.get(key)
            if statement is not None:
                return statement
        with self.span.make_child(self._prepare_name) as span:
            span.set_tag("statement", statement_text(query))
            statement = self.session.prepare(query, custom_payload, keyspace)
        if cache:
            self._prepared_statements.put(key, statement)
        return statement


class CassandraContextFactory(ContextFactory):
    """Puts a :class:`CassandraSessionAdapter` on each request's context.

    Every request's adapter wraps the one session (the driver's sessions are thread-safe and
    pool their own connections) and shares one cache of prepared statements.

    Args:
        session: A connected session, e.g. ``cluster_from_config(app_config).connect()``.
        prepared_statement_cache_size: The most prepared statements kept by
            :meth:`CassandraSessionAdapter.prepare`; the least recently used goes first.

    Raises:
        ValueError: if ``prepared_statement_cache_size`` is not a positive integer.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self, session: Session, prepared_statement_cache_size: int = _DEFAULT_CACHE_SIZE
    ) -> None:
        size = prepared_statement_cache_size
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(
                f"prepared_statement_cache_size must be a positive integer, got {size!r}"
            )
        self.session = session
        self.prepared_statements = _StatementCache(size)

    def make_object_for_context(self, name: str, span: Span) -> CassandraSessionAdapter:
        """Return a session for the request of ``span``, on its context as ``name``."""
        return CassandraSessionAdapter(name, span, self)
