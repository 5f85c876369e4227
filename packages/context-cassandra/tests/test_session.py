"""Unit tests of the session proxy: spans of execute, execute_async and prepare.

The futures are the driver's own ResponseFuture objects (see conftest.py), completed as the
driver completes them, so each span is finished through the driver's callback machinery.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from cassandra import InvalidRequest, OperationTimedOut
from cassandra.cluster import EXEC_PROFILE_DEFAULT, ResponseFuture
from cassandra.query import BatchStatement, SimpleStatement

from baseplate.context.cassandra import (
    STATEMENT_TAG_LIMIT,
    CassandraContextFactory,
    CassandraResponseFuture,
    CassandraSessionAdapter,
    statement_text,
)
from baseplate.core import RequestContext, ServerSpan
from baseplate.core.testing import RecordingObserver

NewRequest = Callable[[], tuple[RequestContext, ServerSpan]]
AnswerLater = Callable[[Callable[[], None]], AbstractContextManager[None]]


def assert_finished_with(recorder: RecordingObserver, error: type[BaseException]) -> None:
    """Assert that the first request's first child span finished once, with ``error``."""
    span = recorder.server_spans[0].children[0]
    assert span.finished == 1
    assert span.exc_info is not None
    assert span.exc_info[0] is error


def test_execute_async_span_ends_when_the_future_completes(
    new_request: NewRequest, recorder: RecordingObserver, session: Any, complete: Any
) -> None:
    """An async query's span is started at once and finished by the future's completion."""
    context, request = new_request()
    future = context.db.execute_async("SELECT * FROM users WHERE id = %s", [42])
    (span,) = recorder.server_spans[0].children
    assert span.name == "db.execute"
    assert span.kind == "client"
    assert span.started == 1
    assert span.finished == 0
    assert span.tags == {"statement": "SELECT * FROM users WHERE id = %s"}

    complete(session.futures[0], [("alice",)])
    assert span.finished == 1
    assert span.exc_info is None
    assert list(future.result()) == [("alice",)]
    request.finish()


def test_span_finishes_after_the_request_has_finished(
    new_request: NewRequest, recorder: RecordingObserver, session: Any, complete: Any
) -> None:
    """A query still running when the request ends gets its span finished on completion."""
    context, request = new_request()
    context.db.execute_async("SELECT 1")
    request.finish()
    server = recorder.server_spans[0]
    assert server.finished == 1
    assert server.children[0].finished == 0

    complete(session.futures[0])
    assert server.children[0].finished == 1
    assert server.children[0].exc_info is None


def test_failed_query_finishes_its_span_with_the_error(
    new_request: NewRequest, recorder: RecordingObserver, session: Any, fail: Any
) -> None:
    """The driver's errback finishes the span with the query's exception; result() raises."""
    context, request = new_request()
    future = context.db.execute_async("SELECT nope FROM users")
    error = InvalidRequest("Undefined column name nope")
    fail(session.futures[0], error)

    span = recorder.server_spans[0].children[0]
    assert span.finished == 1
    assert span.exc_info is not None
    assert span.exc_info[1] is error
    with pytest.raises(InvalidRequest, match="Undefined column name nope"):
        future.result()
    request.finish()


def test_timed_out_query_span_carries_the_timeout(
    new_request: NewRequest, recorder: RecordingObserver, session: Any, fail: Any
) -> None:
    """A client-side timeout is recorded as the span's error, as any other failure."""
    context, request = new_request()
    future = context.db.execute_async("SELECT 1", timeout=0.1)
    fail(session.futures[0], OperationTimedOut("no response within 0.1 s"))
    with pytest.raises(OperationTimedOut):
        future.result()
    assert_finished_with(recorder, OperationTimedOut)
    request.finish()


def test_execute_returns_with_its_span_finished(
    new_request: NewRequest,
    recorder: RecordingObserver,
    session: Any,
    complete: Any,
    answer_later: AnswerLater,
) -> None:
    """execute() waits for the result, and the span is over by the time it returns.

    The result arrives from another thread, as it does from the driver's event loop.
    """
    context, request = new_request()
    with answer_later(lambda: complete(session.futures[0], [(1,)])):
        rows = context.db.execute("SELECT 1")
    assert list(rows) == [(1,)]
    span = recorder.server_spans[0].children[0]
    assert span.finished == 1
    assert span.exc_info is None
    request.finish()


def test_execute_raises_the_query_error_with_the_span_finished(
    new_request: NewRequest,
    recorder: RecordingObserver,
    session: Any,
    fail: Any,
    answer_later: AnswerLater,
) -> None:
    """A failing execute() raises the driver's error, recorded on its span."""
    context, request = new_request()
    with (
        answer_later(lambda: fail(session.futures[0], InvalidRequest("bad"))),
        pytest.raises(InvalidRequest, match="bad"),
    ):
        context.db.execute("SELEC 1")
    assert_finished_with(recorder, InvalidRequest)
    request.finish()


def test_error_raised_before_sending_finishes_the_span(
    new_request: NewRequest, recorder: RecordingObserver, session: Any
) -> None:
    """When the driver refuses a query outright (bad parameters), the span ends with it."""
    context, request = new_request()
    session.raise_on_execute = TypeError("not enough arguments for format string")
    with pytest.raises(TypeError, match="not enough arguments"):
        context.db.execute_async("SELECT * FROM t WHERE a = %s AND b = %s", [1])
    assert_finished_with(recorder, TypeError)
    request.finish()


def test_arguments_reach_the_driver_in_its_order(
    new_request: NewRequest, session: Any, complete: Any, answer_later: AnswerLater
) -> None:
    """execute and execute_async pass the driver's arguments through; no timeout, none sent."""
    context, request = new_request()
    context.db.execute_async("SELECT 1", (1,), True, {"k": b"v"}, 2.5, "analytics")
    query, parameters, options = session.calls[0]
    assert (query, parameters) == ("SELECT 1", (1,))
    assert options["trace"] is True
    assert options["custom_payload"] == {"k": b"v"}
    assert options["timeout"] == 2.5
    assert options["execution_profile"] == "analytics"

    context.db.execute_async("SELECT 2")
    assert "timeout" not in session.calls[1][2]
    assert session.calls[1][2]["execution_profile"] is EXEC_PROFILE_DEFAULT

    with answer_later(lambda: complete(session.futures[2])):
        context.db.execute("SELECT 3", None, 1.5, paging_state=b"page")
    assert session.calls[2][2]["timeout"] == 1.5
    assert session.calls[2][2]["paging_state"] == b"page"
    for future in session.futures[:2]:
        complete(future)
    request.finish()


def test_user_callbacks_run_after_the_span_finished(
    new_request: NewRequest, recorder: RecordingObserver, session: Any, complete: Any
) -> None:
    """Callbacks added to the returned future run with the result, the span already over."""
    context, request = new_request()
    future = context.db.execute_async("SELECT 1")
    assert isinstance(future, CassandraResponseFuture)
    assert isinstance(future.future, ResponseFuture)
    seen: list[tuple[Any, int]] = []

    def callback(rows: Any) -> None:
        seen.append((rows, recorder.server_spans[0].children[0].finished))

    future.add_callbacks(callback, lambda error: seen.append((error, -1)))
    complete(session.futures[0], [("x",)])
    assert seen == [([("x",)], 1)]
    assert future.has_more_pages is False  # the driver future's attribute
    late: list[Any] = []
    future.add_callback(late.append)  # the result is in: runs at once
    assert late == [[("x",)]]
    request.finish()


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("SELECT 1", "SELECT 1"),
        (SimpleStatement("SELECT * FROM t WHERE a = %s"), "SELECT * FROM t WHERE a = %s"),
        (BatchStatement(), "BATCH"),
    ],
)
def test_statement_tag_holds_the_query_text(query: Any, text: str) -> None:
    """The statement tag is the CQL text of strings and statements; a batch is BATCH."""
    assert statement_text(query) == text


def test_statement_tag_of_prepared_and_bound_statements(session: Any) -> None:
    """Prepared and bound statements are tagged with the prepared text, never the values."""
    prepared = session.prepare("SELECT * FROM users WHERE id = ?")
    assert statement_text(prepared) == "SELECT * FROM users WHERE id = ?"
    assert statement_text(prepared.bind([123456789])) == "SELECT * FROM users WHERE id = ?"


def test_long_statement_tag_is_cut() -> None:
    """A statement longer than the limit is cut there, ending in an ellipsis."""
    text = statement_text("SELECT " + "x, " * 1000 + "y FROM t")
    assert len(text) == STATEMENT_TAG_LIMIT
    assert text.endswith("...")


def test_prepare_is_a_span_and_is_cached_across_requests(
    new_request: NewRequest, recorder: RecordingObserver, session: Any
) -> None:
    """The first prepare of a text is a db.prepare span; later ones, any request, hit the cache."""
    context, request = new_request()
    first = context.db.prepare("SELECT * FROM users WHERE id = ?")
    again = context.db.prepare("SELECT * FROM users WHERE id = ?")
    request.finish()
    other_context, other_request = new_request()
    third = other_context.db.prepare("SELECT * FROM users WHERE id = ?")
    other_request.finish()

    assert first is again is third
    assert len(session.prepared) == 1
    (span,) = recorder.server_spans[0].children
    assert span.name == "db.prepare"
    assert span.tags == {"statement": "SELECT * FROM users WHERE id = ?"}
    assert span.finished == 1
    assert span.exc_info is None
    assert recorder.server_spans[1].children == []


def test_prepare_without_cache_always_prepares(
    new_request: NewRequest, recorder: RecordingObserver, session: Any
) -> None:
    """cache=False prepares (and makes a span) every time; the keyspace is part of the key."""
    context, request = new_request()
    context.db.prepare("SELECT 1", cache=False)
    context.db.prepare("SELECT 1", cache=False)
    context.db.prepare("SELECT 1", keyspace="a")
    context.db.prepare("SELECT 1", keyspace="b")
    request.finish()
    assert [p[2] for p in session.prepared] == [None, None, "a", "b"]
    assert [c.name for c in recorder.server_spans[0].children] == ["db.prepare"] * 4


def test_failed_prepare_finishes_its_span_and_caches_nothing(
    new_request: NewRequest, recorder: RecordingObserver, session: Any
) -> None:
    """A statement the server refuses raises, its span has the error, and it is not cached."""
    context, request = new_request()
    for _ in range(2):
        with pytest.raises(InvalidRequest, match="no viable alternative"):
            context.db.prepare("BAD STATEMENT")
    request.finish()
    spans = recorder.server_spans[0].children
    assert len(spans) == 2
    assert all(s.exc_info is not None and s.exc_info[0] is InvalidRequest for s in spans)


def test_statement_cache_is_bounded(session: Any, new_request: Any) -> None:
    """The cache keeps the most recently used statements, up to its size."""
    factory = CassandraContextFactory(session, prepared_statement_cache_size=2)
    _, request = new_request()
    adapter = factory.make_object_for_context("db", request)
    adapter.prepare("A")
    adapter.prepare("B")
    adapter.prepare("A")  # A is now the most recent
    adapter.prepare("C")  # B goes
    assert len(factory.prepared_statements) == 2
    adapter.prepare("A")
    adapter.prepare("B")
    assert [p[0] for p in session.prepared] == ["A", "B", "C", "B"]
    request.finish()


@pytest.mark.parametrize("size", [0, -1, True, 1.5, "10"])
def test_factory_refuses_a_bad_cache_size(session: Any, size: Any) -> None:
    """The cache size must be a positive integer; the error shows the value."""
    with pytest.raises(ValueError, match=f"positive integer, got {size!r}"):
        CassandraContextFactory(session, prepared_statement_cache_size=size)


def test_other_attributes_are_the_sessions(new_request: NewRequest, session: Any) -> None:
    """Anything but the traced calls is the wrapped session's own attribute."""
    context, request = new_request()
    assert isinstance(context.db, CassandraSessionAdapter)
    assert context.db.session is session
    assert context.db.keyspace == "test_keyspace"
    assert context.db.calls is session.calls
    with pytest.raises(AttributeError):
        context.db.no_such_attribute  # noqa: B018
    with pytest.raises(AttributeError):
        CassandraSessionAdapter.__new__(CassandraSessionAdapter).keyspace  # noqa: B018
    request.finish()


def test_result_waits_briefly_for_the_span_callback(
    new_request: NewRequest, recorder: RecordingObserver, session: Any
) -> None:
    """result() returns once the span callback ran, waiting no more than about 10 ms for it."""
    context, request = new_request()
    future = context.db.execute_async("SELECT 1")
    driver_future = session.futures[0]
    # The result is in (result() would return) but no callback has run yet: the state the
    # driver is in between waking result() and calling the callbacks.
    driver_future._final_result = []
    driver_future._event.set()
    started = time.monotonic()
    assert list(future.result()) == []
    waited = time.monotonic() - started
    assert 0.005 <= waited < 0.5
    assert recorder.server_spans[0].children[0].finished == 0
    request.finish()
