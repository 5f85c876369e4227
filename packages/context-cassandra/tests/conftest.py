"""Fixtures of baseplate-context-cassandra's unit tests: a session giving real driver futures.

No Cassandra server runs on the test machines, so the unit tests put a stand-in session
under the proxy. Its ``execute_async`` returns the driver's own
:class:`cassandra.cluster.ResponseFuture`, which the test then completes the way the
driver's connection does when a response (or an error) arrives, so the span's lifecycle
runs through the driver's real callback machinery.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from baseplate_testing import start_request
from cassandra import InvalidRequest
from cassandra.cluster import ResponseFuture
from cassandra.cqltypes import Int32Type
from cassandra.policies import RoundRobinPolicy
from cassandra.protocol import ColumnMetadata
from cassandra.query import PreparedStatement

from baseplate.context.cassandra import CassandraContextFactory
from baseplate.core import Baseplate, RequestContext, ServerSpan
from baseplate.core.testing import RecordingObserver


def _complete(future: ResponseFuture, rows: Any = ()) -> None:
    # The driver's connection calls these when a response (or an error) for the future
    # arrives; with no server, the test calls them in its place.
    future._set_final_result(list(rows))


def _fail(future: ResponseFuture, error: BaseException) -> None:
    future._set_final_exception(error)


@pytest.fixture
def complete() -> Callable[..., None]:
    """``complete(future, rows=())``: deliver a result, as the driver does on an answer."""
    return _complete


@pytest.fixture
def fail() -> Callable[[ResponseFuture, BaseException], None]:
    """``fail(future, error)``: deliver an error, as the driver does when a query fails."""
    return _fail


class StandInSession:
    """The part of :class:`cassandra.cluster.Session` the proxy calls, with no server.

    ``execute_async`` records its arguments and returns a new, pending driver future;
    ``prepare`` returns a real :class:`~cassandra.query.PreparedStatement` (or raises
    :exc:`cassandra.InvalidRequest` for text starting with ``BAD``).
    """

    row_factory = None
    keyspace = "test_keyspace"

    def __init__(self) -> None:
        self.calls: list[tuple[Any, Any, dict[str, Any]]] = []
        self.futures: list[ResponseFuture] = []
        self.prepared: list[tuple[str, Any, Any]] = []
        self.raise_on_execute: BaseException | None = None
        self._load_balancer = RoundRobinPolicy()
        self._load_balancer.populate(None, [])

    def execute_async(self, query: Any, parameters: Any = None, **options: Any) -> ResponseFuture:
        self.calls.append((query, parameters, options))
        if self.raise_on_execute is not None:
            raise self.raise_on_execute
        future = ResponseFuture(self, None, query, timeout=None, load_balancer=self._load_balancer)
        self.futures.append(future)
        return future

    def prepare(self, query: str, custom_payload: Any = None, keyspace: Any = None) -> Any:
        self.prepared.append((query, custom_payload, keyspace))
        if query.startswith("BAD"):
            raise InvalidRequest(f"line 1:0 no viable alternative at input {query!r}")
        # One int column per ? marker, as the server would describe them.
        markers = [
            ColumnMetadata(keyspace or self.keyspace, "t", f"c{i}", Int32Type)
            for i in range(query.count("?"))
        ]
        return PreparedStatement(
            column_metadata=markers,
            query_id=f"id-{len(self.prepared)}".encode(),
            routing_key_indexes=None,
            query=query,
            keyspace=keyspace or self.keyspace,
            protocol_version=4,
            result_metadata=[],
            result_metadata_id=None,
        )


@pytest.fixture
def session() -> StandInSession:
    """A stand-in session whose futures are the driver's, completed by the test."""
    return StandInSession()


@pytest.fixture
def recorder() -> RecordingObserver:
    """Records the spans of the ``baseplate`` fixture."""
    return RecordingObserver()


@pytest.fixture
def baseplate(recorder: RecordingObserver, session: StandInSession) -> Baseplate:
    """A Baseplate with ``recorder`` registered and ``session`` on the context as ``db``."""
    app = Baseplate()
    app.register(recorder)
    app.add_to_context("db", CassandraContextFactory(session))
    return app


@pytest.fixture
def new_request(baseplate: Baseplate) -> Callable[[], tuple[RequestContext, ServerSpan]]:
    """``new_request()``: a new context of ``baseplate`` and its started server span."""
    return functools.partial(start_request, baseplate)


@contextlib.contextmanager
def _answer_later(answer: Callable[[], None]) -> Iterator[None]:
    timer = threading.Timer(0.02, answer)
    timer.start()
    try:
        yield
    finally:
        timer.join()


@pytest.fixture
def answer_later() -> Callable[[Callable[[], None]], contextlib.AbstractContextManager[None]]:
    """``with answer_later(fn):`` runs ``fn()`` in another thread 20 ms in, as the driver's
    event loop delivers a result, and waits for it at the end of the block."""
    return _answer_later
