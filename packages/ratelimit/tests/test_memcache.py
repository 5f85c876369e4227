"""The memcached backend: its incr-or-add steps on a stand-in, and against the real server."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from pymemcache.client.base import PooledClient
from pymemcache.exceptions import MemcacheError

from baseplate.context.memcache import pool_from_config
from baseplate.context.memcache.lib import decompress_and_load, make_dump_and_compress_fn
from baseplate.ratelimit.backends.memcache import (
    MemcacheRateLimitBackend,
    MemcacheRateLimitBackendContextFactory,
)

Limit = Callable[..., Any]


class ScriptedConnection:
    """Answers incr and add from scripts, recording the calls."""

    def __init__(self, incr: list[int | None], add: list[bool]) -> None:
        self.incr_answers = incr
        self.add_answers = add
        self.calls: list[tuple[Any, ...]] = []

    def incr(self, key: str, value: int, noreply: bool | None = False) -> int | None:
        self.calls.append(("incr", key, value, noreply))
        return self.incr_answers.pop(0)

    def add(self, key: str, value: Any, expire: int = 0, noreply: bool | None = None) -> bool:
        self.calls.append(("add", key, value, expire, noreply))
        return self.add_answers.pop(0)


def backend_on(connection: ScriptedConnection) -> MemcacheRateLimitBackend:
    return MemcacheRateLimitBackend(connection, prefix="p:")  # type: ignore[arg-type]


def test_an_existing_counter_is_one_incr(frozen: SimpleNamespace) -> None:
    """When the window's counter exists, consume is one incr, waiting for the sum."""
    connection = ScriptedConnection(incr=[7], add=[])
    assert backend_on(connection).consume("k", 2, allowance=7, interval=60)
    assert connection.calls == [("incr", "p:k16666666", 2, False)]


def test_the_first_consumer_creates_the_counter_with_its_amount(frozen: SimpleNamespace) -> None:
    """With no counter yet, add creates it holding the amount, living two intervals."""
    connection = ScriptedConnection(incr=[None], add=[True])
    assert not backend_on(connection).consume("k", 3, allowance=2, interval=60)
    assert connection.calls == [
        ("incr", "p:k16666666", 3, False),
        ("add", "p:k16666666", b"3", 120, False),
    ]


def test_a_consumer_that_loses_the_race_to_create_increments(frozen: SimpleNamespace) -> None:
    """When another consumer created the counter between our incr and add, our add fails
    and a second incr counts us on top of theirs."""
    connection = ScriptedConnection(incr=[None, 5], add=[False])
    assert not backend_on(connection).consume("k", 1, allowance=4, interval=60)
    assert [call[0] for call in connection.calls] == ["incr", "add", "incr"]


def test_a_counter_that_keeps_vanishing_is_an_error(frozen: SimpleNamespace) -> None:
    """If the counter disappears between every incr and add, consume gives up with a
    MemcacheError naming the counter rather than letting the hit through uncounted."""
    connection = ScriptedConnection(incr=[None] * 3, add=[False] * 3)
    with pytest.raises(MemcacheError, match="'p:k16666666' vanished 3 times"):
        backend_on(connection).consume("k", 1, allowance=4, interval=60)


def test_lifetimes_past_thirty_days_are_given_as_a_moment(frozen: SimpleNamespace) -> None:
    """memcached reads an expiry over 30 days as a moment since the epoch, so a counter of
    20-day windows (40 days' life) is given now + 40 days; a 15-day window's 30 days stays
    relative."""
    connection = ScriptedConnection(incr=[None, None], add=[True, True])
    backend = backend_on(connection)
    day = 24 * 60 * 60
    import time

    before = int(time.time())
    backend.consume("k", 1, allowance=4, interval=20 * day)
    backend.consume("k", 1, allowance=4, interval=15 * day)
    long_expiry, short_expiry = (call[3] for call in connection.calls if call[0] == "add")
    assert before + 40 * day <= long_expiry <= int(time.time()) + 40 * day
    assert short_expiry == 30 * day


# Against the real memcached.


@pytest.fixture
def pool(memcached_address: tuple[str, int]) -> Iterator[PooledClient]:
    host, port = memcached_address
    client = pool_from_config({"memcache.endpoint": f"{host}:{port}", "memcache.timeout": "5"})
    yield client
    client.close()


def ttl_of(address: tuple[str, int], key: str) -> int | None:
    """The seconds ``key`` has left in memcached (meta get), or None when it is missing."""
    with socket.create_connection(address, timeout=2) as conn:
        conn.sendall(f"mg {key} t\r\n".encode())
        answer = conn.recv(1024).decode()
    if answer.startswith("EN"):
        return None
    assert answer.startswith("HD t"), answer
    return int(answer.split()[1][1:])


@pytest.mark.integration
def test_allowance_per_window_on_the_server(
    pool: PooledClient,
    memcached_address: tuple[str, int],
    prefix: str,
    limit: Limit,
) -> None:
    """The allowance gets through and the next is refused; the count is in the counter
    prefix + key + window, living two intervals; the first consume is an incr and an add,
    the others one incr each."""
    limited = limit(MemcacheRateLimitBackendContextFactory(pool, prefix=prefix), 3, 600)
    results, before = limited.consume_in_one_window("user", 4)
    assert results == [True, True, True, False]
    counter = f"{prefix}user{before}"
    assert pool.get(counter) == b"4"
    ttl = ttl_of(memcached_address, counter)
    assert ttl is not None
    assert 600 < ttl <= 1200
    assert [span.name for span in limited.spans] == [
        "ratelimiter.incr",
        "ratelimiter.add",
        *["ratelimiter.incr"] * 3,
    ]


@pytest.mark.integration
def test_counters_work_with_the_lib_serializers(
    memcached_address: tuple[str, int], prefix: str, limit: Limit
) -> None:
    """A pool with baseplate.context.memcache.lib's serializers (compressing long values)
    counts as well: the counter is stored as plain digits."""
    host, port = memcached_address
    pool = pool_from_config(
        {"memcache.endpoint": f"{host}:{port}"},
        serializer=make_dump_and_compress_fn(min_compress_length=64),
        deserializer=decompress_and_load,
    )
    try:
        limited = limit(MemcacheRateLimitBackendContextFactory(pool, prefix=prefix), 5, 600)
        assert [limited.consume("k", 2) for _ in range(3)] == [True, True, False]
    finally:
        pool.close()


@pytest.mark.integration
def test_next_window_starts_from_zero(
    pool: PooledClient, prefix: str, limit: Limit, frozen: SimpleNamespace
) -> None:
    """A key refused in one window is let through again in the next."""
    limited = limit(MemcacheRateLimitBackendContextFactory(pool, prefix=prefix), 2, 60)
    assert [limited.consume("k") for _ in range(3)] == [True, True, False]
    frozen.now += 40  # 1_000_000_040: the next window of 60 s
    assert [limited.consume("k") for _ in range(3)] == [True, True, False]


@pytest.mark.integration
def test_long_windows_are_kept_by_memcached(pool: PooledClient, prefix: str, limit: Limit) -> None:
    """Counters of 20-day windows stay in memcached (an expiry past 30 days given in seconds
    would be a moment long gone, and every hit would be let through)."""
    factory = MemcacheRateLimitBackendContextFactory(pool, prefix=prefix)
    limited = limit(factory, 2, 20 * 24 * 60 * 60)
    assert [limited.consume("k") for _ in range(3)] == [True, True, False]
