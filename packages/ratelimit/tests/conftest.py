"""Fixtures of baseplate-ratelimit's tests: the real Redis and memcached, and worker processes.

Redis is the machine's, on 127.0.0.1:6379 (BASEPLATE_REDIS_ADDR points elsewhere), memcached
the one tools/memcached.sh starts on 127.0.0.1:11211 (BASEPLATE_MEMCACHED_ADDR), the Redis
cluster the one tools/redis-cluster.sh starts on 127.0.0.1:7000-7002
(BASEPLATE_REDIS_CLUSTER_ADDR). Every test counts under a prefix of its own, so tests (and
runs) never share a counter.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from baseplate_testing import Process

from baseplate.core import Baseplate, ContextFactory, RequestContext
from baseplate.core.testing import RecordingObserver
from baseplate.ratelimit import RateLimiterContextFactory

WORKER = Path(__file__).with_name("ratelimit_worker.py")

Address = Callable[[str, int], tuple[str, int]]


@pytest.fixture
def prefix() -> str:
    """A key prefix no other test (or run) uses."""
    return f"baseplate-test:{uuid.uuid4().hex[:12]}:"


@pytest.fixture
def redis_address(service_address: Address) -> tuple[str, int]:
    return service_address("redis", 6379)


@pytest.fixture
def memcached_address(service_address: Address) -> tuple[str, int]:
    return service_address("memcached", 11211)


class Requests:
    """Runs handlers in requests whose context has a rate limiter as ``ratelimiter``."""

    def __init__(self, backend_factory: ContextFactory, allowance: int, interval: int) -> None:
        self.baseplate = Baseplate()
        self.recorder = RecordingObserver()
        self.baseplate.register(self.recorder)
        factory = RateLimiterContextFactory(backend_factory, allowance, interval)
        self.baseplate.add_to_context("ratelimiter", factory)

    def __call__(self, handler: Callable[[Any], Any]) -> Any:
        """Run ``handler(context)`` in one server span; return what it returns."""
        context = RequestContext()
        with self.baseplate.make_server_span(context, "handler"):
            return handler(context)

    @property
    def spans(self) -> list[Any]:
        """The child spans of every request so far, in order."""
        return [child for server in self.recorder.server_spans for child in server.children]


@pytest.fixture
def requests_with() -> Callable[[ContextFactory, int, int], Requests]:
    """``requests_with(backend_factory, allowance, interval)``: a :class:`Requests`."""
    return Requests


class Workers:
    """Starts processes of ``ratelimit_worker.py`` consuming at once from one bucket."""

    def __init__(self, spawn: Callable[..., Process], directory: Path) -> None:
        self.spawn = spawn
        self.directory = directory

    def run(
        self,
        target: str,
        prefix: str,
        *,
        processes: int,
        greenlets: int,
        hits: int,
        allowance: int,
        interval: int,
        amount: int = 1,
    ) -> tuple[int, int]:
        """Run the workers to the end; return how many hits in all were let through and
        refused. The workers all start consuming at one moment, once all are ready."""
        go = self.directory / f"go-{uuid.uuid4().hex}"
        args = [target, prefix, "bucket", str(allowance), str(interval), str(amount)]
        args += [str(greenlets), str(hits), str(go)]
        started = [self.spawn([sys.executable, str(WORKER), *args]) for _ in range(processes)]
        for worker in started:
            worker.wait_for(r"^ready$", timeout=30)
        go.touch()
        allowed = refused = 0
        for worker in started:
            match = worker.wait_for(r"^allowed=(\d+) refused=(\d+)$", timeout=60)
            assert worker.wait(timeout=30) == 0, worker.output
            allowed += int(match[1])
            refused += int(match[2])
        return allowed, refused


@pytest.fixture
def workers(spawn: Callable[..., Process], tmp_path: Path) -> Workers:
    """Worker processes consuming at once (``baseplate_testing.Process``, ended afterwards)."""
    return Workers(spawn, tmp_path)


def current_window(interval: int) -> int:
    """The number of the current window of ``interval`` seconds."""
    return int(time.time()) // interval


@pytest.fixture
def window() -> Callable[[int], int]:
    """``window(interval)``: the number of the current window of ``interval`` seconds."""
    return current_window
