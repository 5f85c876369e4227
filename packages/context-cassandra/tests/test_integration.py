"""Integration tests against a real Cassandra (``BASEPLATE_CASSANDRA_ADDR``, default port 9042).

No Cassandra server can be installed on the test machines, so these tests ask for the
service with ``optional=True``: they run wherever one is reachable and skip with the reason
otherwise, even under ``BASEPLATE_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from baseplate_testing import serve_one_request
from cassandra import InvalidRequest
from cassandra.cluster import Cluster, Session

from baseplate.context.cassandra import CassandraContextFactory, cluster_from_config
from baseplate.core.testing import RecordingObserver

pytestmark = pytest.mark.integration


@pytest.fixture
def cassandra_address(service_address: Callable[..., tuple[str, int]]) -> tuple[str, int]:
    """The address of the real Cassandra, or a skip saying why there is none."""
    return service_address("cassandra", 9042, optional=True)


@pytest.fixture
def cluster(cassandra_address: tuple[str, int]) -> Iterator[Cluster]:
    """A cluster made by cluster_from_config from the address, shut down afterwards."""
    host, port = cassandra_address
    cluster = cluster_from_config(
        {"cassandra.contact_points": host, "cassandra.port": str(port)}, connect_timeout=5
    )
    yield cluster
    cluster.shutdown()


@pytest.fixture
def session(cluster: Cluster) -> Iterator[Session]:
    """A session on a keyspace of the test's own, dropped afterwards."""
    keyspace = f"baseplate_test_{uuid.uuid4().hex[:12]}"
    session = cluster.connect()
    session.execute(
        f"CREATE KEYSPACE {keyspace} WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    session.set_keyspace(keyspace)
    session.execute("CREATE TABLE users (id int PRIMARY KEY, name text)")
    yield session
    session.execute(f"DROP KEYSPACE {keyspace}")


def serve(session: Session, handler: Callable[[Any], Any]) -> tuple[Any, RecordingObserver]:
    """Run ``handler(context)`` in one request with the session on the context as ``db``."""
    return serve_one_request(CassandraContextFactory(session), handler, "db")


def test_prepared_insert_and_select(session: Session) -> None:
    """prepare and execute round-trip a row, each call a span with its statement."""

    def handler(context: Any) -> Any:
        insert = context.db.prepare("INSERT INTO users (id, name) VALUES (?, ?)")
        context.db.execute(insert, [1, "alice"])
        return context.db.execute("SELECT name FROM users WHERE id = %s", [1]).one()

    row, recorder = serve(session, handler)
    assert row.name == "alice"
    spans = recorder.server_spans[0].children
    assert [s.name for s in spans] == ["db.prepare", "db.execute", "db.execute"]
    assert spans[1].tags["statement"] == "INSERT INTO users (id, name) VALUES (?, ?)"
    assert spans[2].tags["statement"] == "SELECT name FROM users WHERE id = %s"
    assert all(s.finished == 1 and s.exc_info is None for s in spans)


def test_async_query_outlives_the_request(session: Session) -> None:
    """An async query's span finishes when its future completes, after the request ended."""
    done = threading.Event()

    def handler(context: Any) -> Any:
        future = context.db.execute_async("SELECT name FROM users")
        future.add_callbacks(lambda _rows: done.set(), lambda _error: done.set())
        return future

    future, recorder = serve(session, handler)
    assert done.wait(10)
    future.result()
    span = recorder.server_spans[0].children[0]
    assert span.name == "db.execute"
    assert span.finished == 1
    assert span.exc_info is None


def test_failing_statement_is_recorded(session: Session) -> None:
    """A statement the server refuses raises InvalidRequest, recorded on its span."""

    def handler(context: Any) -> None:
        with pytest.raises(InvalidRequest):
            context.db.execute("SELECT nope FROM users")

    _, recorder = serve(session, handler)
    span = recorder.server_spans[0].children[0]
    assert span.exc_info is not None
    assert span.exc_info[0] is InvalidRequest
