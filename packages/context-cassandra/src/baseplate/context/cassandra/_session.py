"""The session proxy on each request's context, and its context factory."""

from __future__ import annotations

from typing import Any

from cassandra.cluster import EXEC_PROFILE_DEFAULT, ResultSet, Session
from cassandra.query import PreparedStatement

from baseplate.context.cassandra._future import CassandraResponseFuture, _SpanFinisher
from baseplate.context.cassandra._statements import _StatementCache, statement_text
from baseplate.core import ContextFactory, Span

_DEFAULT_CACHE_SIZE = 1000


class _Unset:
    """The ``timeout`` not given: the execution profile's request timeout applies."""

    def __repr__(self) -> str:
        return "<the execution profile's timeout>"


_UNSET: Any = _Unset()


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
        if name == "session":  # not set yet (a copy being made): no recursion
            raise AttributeError(name)
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
