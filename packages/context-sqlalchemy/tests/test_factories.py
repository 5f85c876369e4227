"""Tests for the context factories against the machine's PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from baseplate.context.sqlalchemy import (
    SQLAlchemyEngineContextFactory,
    SQLAlchemySessionContextFactory,
)
from baseplate.core import Baseplate, RequestContext
from baseplate.core.testing import RecordingObserver

from .conftest import Serve

pytestmark = pytest.mark.integration

# PostgreSQL's current_query() is the text the server received, trace comment included.
CURRENT_QUERY = "SELECT current_query()"


def test_a_statement_is_a_tagged_child_span(engine: Engine, serve: Serve) -> None:
    """A SELECT through context.db is one finished span, db.execute, tagged with its SQL."""

    def handler(context: Any) -> Any:
        with context.db.connect() as conn:
            return conn.execute(text("SELECT 1 + 1")).scalar_one()

    answer, recorder = serve(SQLAlchemyEngineContextFactory(engine), handler)

    assert answer == 2
    (server,) = recorder.server_spans
    (span,) = server.children
    assert span.name == "db.execute"
    assert span.tags["statement"] == "SELECT 1 + 1"
    assert (span.started, span.finished) == (1, 1)
    assert span.exc_info is None
    assert (server.trace_id, server.id) == (span.trace_id, span.parent_id)


def test_the_sql_ends_with_the_trace_and_span_ids(engine: Engine, serve: Serve) -> None:
    """The database receives the statement with `` -- trace:<id>,span:<id>`` appended."""

    def handler(context: Any) -> Any:
        with context.db.connect() as conn:
            return conn.execute(text(CURRENT_QUERY)).scalar_one()

    received, recorder = serve(SQLAlchemyEngineContextFactory(engine), handler)

    (span,) = recorder.server_spans[0].children
    assert f"{CURRENT_QUERY} -- trace:{span.trace_id:d},span:{span.id:d}" == received
    assert span.tags["statement"] == CURRENT_QUERY


def test_a_failing_statement_finishes_its_span_with_the_exception(
    engine: Engine, serve: Serve
) -> None:
    """A query of a missing table raises ProgrammingError, and the span records that error."""

    def handler(context: Any) -> None:
        with (
            context.db.connect() as conn,
            pytest.raises(sqlalchemy.exc.ProgrammingError, match="no_such_table") as raised,
        ):
            conn.execute(text("SELECT * FROM no_such_table"))
        context.raised = raised.value

    _, recorder = serve(SQLAlchemyEngineContextFactory(engine), handler)

    (span,) = recorder.server_spans[0].children
    assert span.tags["statement"] == "SELECT * FROM no_such_table"
    assert span.finished == 1
    assert span.exc_info is not None
    assert span.exc_info[0] is sqlalchemy.exc.ProgrammingError
    assert span.exc_info[1] is recorder.server_spans[0].context.raised
    assert span.exc_info[2] is not None


def test_the_connection_is_usable_after_a_failed_statement(engine: Engine, serve: Serve) -> None:
    """After a failure and a rollback, the next statement gets a span of its own, unfailed."""

    def handler(context: Any) -> Any:
        with context.db.connect() as conn:
            with pytest.raises(sqlalchemy.exc.DBAPIError):
                conn.execute(text("SELECT 1 / 0"))
            conn.rollback()
            return conn.execute(text("SELECT 3")).scalar_one()

    answer, recorder = serve(SQLAlchemyEngineContextFactory(engine), handler)

    assert answer == 3
    failed, ok = recorder.server_spans[0].children
    assert failed.exc_info is not None
    assert ok.exc_info is None
    assert ok.tags["statement"] == "SELECT 3"


def test_statements_outside_a_request_are_neither_recorded_nor_commented(
    engine: Engine,
) -> None:
    """The factory's engine, used directly, sends the SQL unchanged."""
    SQLAlchemyEngineContextFactory(engine)

    with engine.connect() as conn:
        assert conn.execute(text(CURRENT_QUERY)).scalar_one() == CURRENT_QUERY


def test_factories_sharing_an_engine_record_each_statement_once(
    engine: Engine, serve: Serve
) -> None:
    """Two factories on one engine add its listeners once: one span, one comment."""
    SQLAlchemySessionContextFactory(engine)

    def handler(context: Any) -> Any:
        with context.db.connect() as conn:
            return conn.execute(text(CURRENT_QUERY)).scalar_one()

    received, recorder = serve(SQLAlchemyEngineContextFactory(engine), handler)

    (span,) = recorder.server_spans[0].children
    assert span.tags["statement"] == CURRENT_QUERY
    assert received.count(" -- trace:") == 1


def test_each_request_records_its_own_statements(engine: Engine) -> None:
    """Two requests interleaving statements on their own connections each see only theirs."""
    baseplate = Baseplate()
    recorder = RecordingObserver()
    baseplate.register(recorder)
    baseplate.add_to_context("db", SQLAlchemyEngineContextFactory(engine))
    first, second = RequestContext(), RequestContext()
    with (
        baseplate.make_server_span(first, "first"),
        baseplate.make_server_span(second, "second"),
        first.db.connect() as one,
        second.db.connect() as two,
    ):
        one.execute(text("SELECT 1"))
        two.execute(text("SELECT 2"))
        one.execute(text("SELECT 11"))

    spans = {server.name: server.children for server in recorder.server_spans}
    assert [c.tags["statement"] for c in spans["first"]] == ["SELECT 1", "SELECT 11"]
    assert [c.tags["statement"] for c in spans["second"]] == ["SELECT 2"]


def test_executemany_records_the_batch(engine: Engine, table: str, serve: Serve) -> None:
    """An INSERT of several rows is recorded, finished, and its rows are written."""

    def handler(context: Any) -> None:
        with context.db.begin() as conn:
            conn.execute(
                text(f"INSERT INTO {table} (id, name) VALUES (:id, :name)"),
                [{"id": i, "name": f"n{i}"} for i in range(5)],
            )

    _, recorder = serve(SQLAlchemyEngineContextFactory(engine), handler)

    inserts = [c for c in recorder.server_spans[0].children if "INSERT" in c.tags["statement"]]
    assert inserts
    assert all(c.finished == 1 and c.exc_info is None for c in inserts)
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 5


def test_a_long_statement_is_cut_in_its_tag(engine: Engine, serve: Serve) -> None:
    """The statement tag holds at most 1,024 characters, ending with '...' when cut."""
    statement = "SELECT " + " + ".join(["1"] * 600)

    def handler(context: Any) -> Any:
        with context.db.connect() as conn:
            return conn.execute(text(statement)).scalar_one()

    answer, recorder = serve(SQLAlchemyEngineContextFactory(engine), handler)

    assert answer == 600
    tag = recorder.server_spans[0].children[0].tags["statement"]
    assert len(tag) == 1024
    assert statement[:1021] + "..." == tag


def test_the_session_is_closed_uncommitted_when_the_request_ends(
    engine: Engine, table: str, serve: Serve
) -> None:
    """An insert the handler did not commit is gone after the request; the connection is back."""

    def handler(context: Any) -> Session:
        session = context.db
        assert isinstance(session, Session)
        session.execute(text(f"INSERT INTO {table} (id, name) VALUES (1, 'kept?')"))
        assert session.in_transaction()
        return session

    session, recorder = serve(SQLAlchemySessionContextFactory(engine), handler)

    assert not session.in_transaction()
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0
    (span,) = recorder.server_spans[0].children
    assert span.name == "db.execute"
    assert span.tags["statement"].startswith(f"INSERT INTO {table}")


def test_what_the_session_commits_is_kept(engine: Engine, table: str, serve: Serve) -> None:
    """A commit in the handler is the one that counts: its row outlives the request."""

    def handler(context: Any) -> None:
        context.db.execute(text(f"INSERT INTO {table} (id, name) VALUES (1, 'kept')"))
        context.db.commit()

    _, recorder = serve(SQLAlchemySessionContextFactory(engine), handler)

    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT name FROM {table}")).scalar_one() == "kept"
    assert [c.name for c in recorder.server_spans[0].children] == ["db.execute"]


def test_local_spans_reuse_the_request_session(engine: Engine, table: str, serve: Serve) -> None:
    """A local span reads the request's session: same object, same transaction, open after."""

    def handler(context: Any) -> tuple[Session, Session]:
        session = context.db
        session.execute(text(f"INSERT INTO {table} (id, name) VALUES (1, 'a')"))
        with context.trace.make_child("work", local=True, component_name="worker") as local:
            inner = local.context.db
            seen = inner.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        assert seen == 1  # the uncommitted row: the same transaction
        assert session.in_transaction()  # the local span's end did not close it
        return session, inner

    (session, inner), recorder = serve(SQLAlchemySessionContextFactory(engine), handler)

    assert session is inner
    assert not session.in_transaction()
    server = recorder.server_spans[0]
    # The shared session's statements are the request's, the local span's SELECT included.
    assert [c.name for c in server.children] == ["db.execute", "work", "db.execute"]
    assert server.child("work").children == []


def test_a_local_span_reading_first_gets_a_session_of_its_own(engine: Engine, serve: Serve) -> None:
    """Read first in a local span, the session is that span's: its child, closed at its end."""

    def handler(context: Any) -> tuple[Session, Session]:
        with context.trace.make_child("work", local=True, component_name="worker") as local:
            inner = local.context.db
            inner.execute(text("SELECT 1"))
            assert inner.in_transaction()
        assert not inner.in_transaction()
        return inner, context.db

    (inner, outer), recorder = serve(SQLAlchemySessionContextFactory(engine), handler)

    assert inner is not outer
    work = recorder.server_spans[0].child("work")
    assert [c.name for c in work.children] == ["db.execute"]


def test_each_request_gets_a_new_session(engine: Engine, serve: Serve) -> None:
    """Sessions are per request: a second request does not get the first one's."""
    factory = SQLAlchemySessionContextFactory(engine)

    first, _ = serve(factory, lambda context: context.db)
    second, _ = serve(factory, lambda context: context.db)

    assert first is not second
