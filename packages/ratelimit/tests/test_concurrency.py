"""Exact counting under concurrent use: processes of greenlets on one bucket of a real server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.integration

# (service, its usual port, the workers' URL scheme)
SERVERS = {
    "redis": ("redis", 6379, "redis://{}:{}/0"),
    "redis_cluster": ("redis_cluster", 7000, "redis-cluster://{}:{}"),
    "memcached": ("memcached", 11211, "memcache://{}:{}"),
}


@pytest.mark.parametrize(
    ("server", "amount"),
    [("redis", 1), ("redis", 3), ("redis_cluster", 1), ("memcached", 1), ("memcached", 3)],
)
def test_exactly_the_allowance_gets_through(
    service_address: Callable[[str, int], tuple[str, int]],
    prefix: str,
    workers: Any,
    server: str,
    amount: int,
) -> None:
    """4 processes x 10 greenlets x 20 hits, all starting at once on one new bucket: exactly
    the allowance (in whole amounts) gets through and every other hit is refused, though
    they all race to create the window's counter and to add to it."""
    name, port, url = SERVERS[server]
    host, port = service_address(name, port)
    allowed, refused = workers.run(
        url.format(host, port),
        prefix,
        processes=4,
        greenlets=10,
        hits=20,
        allowance=301,
        amount=amount,
    )
    assert allowed == 301 // amount
    assert allowed + refused == 4 * 10 * 20
