"""Fixtures for baseplate.context.sqlalchemy's tests: the machine's PostgreSQL, a request.

tools/postgres.sh (called by tools/services.sh) gives the tests a role and database of their
own, both ``baseplate_test``; BASEPLATE_POSTGRES_ADDR points at another server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy.engine import Engine

from baseplate.core import Baseplate, ContextFactory, RequestContext
from baseplate.core.testing import RecordingObserver

ROLE = DATABASE = "baseplate_test"


@pytest.fixture
def database_url(service_address: Callable[[str, int], tuple[str, int]]) -> str:
    host, port = service_address("postgres", 5432)
    return f"postgresql+psycopg://{ROLE}:{ROLE}@{host}:{port}/{DATABASE}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the tests' database, checked to connect."""
    engine = sqlalchemy.create_engine(database_url, pool_size=2)
    try:
        with engine.connect():
            pass
    except sqlalchemy.exc.OperationalError as exc:
        reason = f"the test database is not there ({exc.orig}); run tools/postgres.sh"
        if os.environ.get("BASEPLATE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"BASEPLATE_REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)
    yield engine
    engine.dispose()


@pytest.fixture
def table(engine: Engine) -> Iterator[str]:
    """The name of a new table ``(id integer primary key, name text)``, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text(f"CREATE TABLE {name} (id integer PRIMARY KEY, name text)"))
    yield name
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text(f"DROP TABLE {name}"))


Serve = Callable[..., tuple[Any, RecordingObserver]]


@pytest.fixture
def serve() -> Serve:
    """``serve(factory, handler)``: run ``handler(context)`` in one request, with the factory's
    object on the context as ``db``; returns the handler's result and the recorder."""

    def serve(
        factory: ContextFactory, handler: Callable[[Any], Any]
    ) -> tuple[Any, RecordingObserver]:
        baseplate = Baseplate()
        recorder = RecordingObserver()
        baseplate.register(recorder)
        baseplate.add_to_context("db", factory)
        context = RequestContext()
        with baseplate.make_server_span(context, "handler"):
            result = handler(context)
        return result, recorder

    return serve
