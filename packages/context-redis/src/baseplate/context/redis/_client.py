"""The instrumented client of one Redis server, its pipelines and its context factory."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis
import redis.client
from redis.exceptions import WatchError

from baseplate.core import ContextFactory, Span


class RedisContextFactory(ContextFactory):
    """Puts a :class:`MonitoredRedisConnection` on each request's context.

    Every request's client takes its connections from the one pool given here, so the pool's
    size bounds the connections of the whole process.

    Args:
        connection_pool: The pool to the server, as :func:`pool_from_config` makes it.

    .. versionadded:: 0.1.0
    """

    def __init__(self, connection_pool: redis.ConnectionPool) -> None:
        self.connection_pool = connection_pool

    def make_object_for_context(self, name: str, span: Span) -> MonitoredRedisConnection:
        """Return a client whose commands are children of ``span``, named after ``name``."""
        return MonitoredRedisConnection(name, span, self.connection_pool)


class MonitoredRedisConnection(redis.Redis):
    """A :class:`redis.Redis` client whose every command is a child span.

    It is redis-py's client, with its every command and signature, and these differences:

    * Each command is a child span of ``server_span`` named ``<context_name>.<COMMAND>``
      (``redis.GET`` for ``context.redis.get(...)``), finished with the exception when the
      command fails.
    * :meth:`pipeline` takes a name first: ``pipeline(name, transaction=True,
      shard_hint=None)``. The whole batch is one span, ``<context_name>.pipeline_<name>``.
      This is the one deliberate change to redis-py's signatures.
    * :meth:`transaction` runs its pipeline as ``pipeline("transaction", ...)``.

    Locks (:meth:`~redis.Redis.lock`) and publish/subscribe (:meth:`~redis.Redis.pubsub`) are
    redis-py's own. A lock keeps the client that made it: its commands are spans of that
    client's request while the request lasts, and run without a span after it finished (a
    lock taken in one request and released in a later one still works). A
    :class:`redis.client.PubSub` has connections of its own that outlive requests: its
    commands are not spans (a ``publish`` through this client is).

    Made by :class:`RedisContextFactory` for each request; not usually built directly.

    Args:
        context_name: The context attribute the client is on, for span names.
        server_span: The span the commands are children of.
        connection_pool: The pool to take connections from.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self, context_name: str, server_span: Span, connection_pool: redis.ConnectionPool
    ) -> None:
        super().__init__(connection_pool=connection_pool)
        self.context_name = context_name
        self.server_span = server_span

    def execute_command(self, *args: Any, **options: Any) -> Any:
        """Execute a command in a child span named ``<context_name>.<COMMAND>``.

        Returns:
            The command's parsed response.

        Raises:
            redis.exceptions.RedisError: as redis-py raises it; the span records it.
        """
        if self.server_span.finished:
            return super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
        with self.server_span.make_child(f"{self.context_name}.{args[0]}"):
            return super().execute_command(*args, **options)  # type: ignore[no-untyped-call]

    # redis-py's pipeline has no name; this one's comes first (see the class docstring).
    def pipeline(  # type: ignore[override]
        self, name: str | None = None, transaction: bool = True, shard_hint: Any = None
    ) -> MonitoredRedisPipeline:
        """Return a pipeline whose :meth:`~MonitoredRedisPipeline.execute` is one span.

        Commands called on the pipeline are queued and sent together by ``execute()``, in one
        round trip; the span is named ``<context_name>.pipeline_<name>``.

        Args:
            name: What the pipeline does, for the span's name. Without one (as redis-py's own
                helpers call ``pipeline(transaction=False)``) the span is
                ``<context_name>.pipeline``.
            transaction: Whether the commands run atomically, between MULTI and EXEC.
            shard_hint: Passed on to redis-py.

        Raises:
            TypeError: if ``name`` is a bool, as in redis-py's ``pipeline(False)``: pass
                ``transaction`` by keyword here.

        .. versionadded:: 0.1.0
        """
        return MonitoredRedisPipeline(
            self.context_name,
            name,
            self.server_span,
            self.connection_pool,
            self.response_callbacks,
            transaction=transaction,
            shard_hint=shard_hint,
        )

    def transaction(
        self, func: Callable[[MonitoredRedisPipeline], Any], *watches: Any, **kwargs: Any
    ) -> Any:
        """Run ``func(pipeline)`` as a transaction, again while a watched key changes.

        As redis-py's: ``watches`` are the keys to WATCH; each attempt's commands are sent
        in one MULTI/EXEC, and an attempt during which a watched key changed is run again.
        The pipeline is ``pipeline("transaction")``, so each attempt's EXEC is a span named
        ``<context_name>.pipeline_transaction``, and the commands ``func`` runs at once
        (reads of watched keys) are spans of their own.

        Args:
            func: Called with the pipeline; queues the transaction's commands.
            watches: The keys to watch.
            kwargs: ``shard_hint``; ``value_from_callable`` (return what ``func`` returned,
                not the EXEC's results); ``watch_delay`` (seconds to wait before a retry).

        Returns:
            The results of the transaction's commands, or what ``func`` returned.

        .. versionadded:: 0.1.0
        """
        pipe = self.pipeline("transaction", True, kwargs.pop("shard_hint", None))
        return run_transaction(pipe, func, watches, **kwargs)


def pipeline_span_name(context_name: str, name: str | None) -> str:
    """Return the span name of a pipeline: ``<context_name>.pipeline_<name>``.

    An unnamed pipeline (``name`` None, as redis-py's own code makes them) is
    ``<context_name>.pipeline``.

    Raises:
        TypeError: if ``name`` is a bool: redis-py's ``pipeline(False)`` passes
            ``transaction`` first, which here is the name.
    """
    if isinstance(name, bool):
        raise TypeError(
            f"pipeline()'s first argument is the pipeline's name, got {name!r}; pass "
            "transaction by keyword: pipeline(name, transaction=...)"
        )
    return f"{context_name}.pipeline" if name is None else f"{context_name}.pipeline_{name}"


def run_transaction(
    pipe: Any,
    func: Callable[[Any], Any],
    watches: tuple[Any, ...],
    value_from_callable: bool = False,
    watch_delay: float | None = None,
) -> Any:
    """Run ``func(pipe)`` and the pipeline, again while a watched key changed meanwhile.

    What redis-py's ``transaction()`` does, on a pipeline made here; the pipeline is reset
    at the end.
    """
    try:
        while True:
            try:
                if watches:
                    pipe.watch(*watches)
                func_value = func(pipe)
                exec_value = pipe.execute()
                return func_value if value_from_callable else exec_value
            except WatchError:
                if watch_delay is not None and watch_delay > 0:
                    time.sleep(watch_delay)
    finally:
        pipe.reset()


class TracedExecution:
    """Makes a redis-py pipeline's ``execute()`` one child span (a base before the pipeline's).

    The pipeline sets :attr:`trace_name` and :attr:`server_span`.
    """

    trace_name: str
    server_span: Span

    def execute(self, raise_on_error: bool = True) -> list[Any]:
        """Send the queued commands, in a span named after the pipeline.

        Args:
            raise_on_error: Raise the first command's error (else return it among the
                results), as redis-py does.

        Returns:
            The commands' results, in order.
        """
        if self.server_span.finished:
            return super().execute(raise_on_error)  # type: ignore[misc,no-any-return]
        with self.server_span.make_child(self.trace_name):
            return super().execute(raise_on_error)  # type: ignore[misc,no-any-return]


class MonitoredRedisPipeline(TracedExecution, redis.client.Pipeline):
    """A :class:`redis.client.Pipeline` whose :meth:`execute` is one child span.

    Commands run at once while keys are watched (``pipe.watch(...)`` then reads, before
    ``pipe.multi()``) are spans of their own, named like the client's.

    Made by :meth:`MonitoredRedisConnection.pipeline`.

    Args:
        context_name: The context attribute the client is on, for span names.
        name: The pipeline's name, for its span's (see :meth:`MonitoredRedisConnection.pipeline`).
        server_span: The span the pipeline's span is a child of.
        connection_pool: The pool to take a connection from.
        response_callbacks: How responses are parsed, the client's.
        transaction: Whether the commands run between MULTI and EXEC.
        shard_hint: Passed on to redis-py.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        context_name: str,
        name: str | None,
        server_span: Span,
        connection_pool: redis.ConnectionPool,
        response_callbacks: Any,
        transaction: bool = True,
        shard_hint: Any = None,
    ) -> None:
        super().__init__(connection_pool, response_callbacks, transaction, shard_hint)
        self.context_name = context_name
        self.trace_name = pipeline_span_name(context_name, name)
        self.server_span = server_span

    def immediate_execute_command(self, *args: Any, **options: Any) -> Any:
        """Run a command now (while watching keys) in a span of its own."""
        if self.server_span.finished:
            return super().immediate_execute_command(*args, **options)  # type: ignore[no-untyped-call]
        with self.server_span.make_child(f"{self.context_name}.{args[0]}"):
            return super().immediate_execute_command(*args, **options)  # type: ignore[no-untyped-call]
