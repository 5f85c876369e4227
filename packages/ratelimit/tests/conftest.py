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
from types import SimpleNamespace
from typing import Any

import pytest
from baseplate_testing import Process

from baseplate.core import Baseplate, ContextFactory, RequestContext
from baseplate.core.testing import RecordingObserver
from baseplate.ratelimit import RateLimiterContextFactory, RateLimitExceededException, _window

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


class Limited:
    """Consumes from a rate limiter on the context of requests, each in a request of its own."""

    def __init__(self, backend_factory: ContextFactory, allowance: int, interval: int) -> None:
        self.baseplate = Baseplate()
        self.recorder = RecordingObserver()
        self.baseplate.register(self.recorder)
        self.factory = RateLimiterContextFactory(backend_factory, allowance, interval)
        self.baseplate.add_to_context("ratelimiter", self.factory)

    def consume(self, key: str, amount: int = 1) -> bool:
        """Consume in one request, the limiter on its context as ``ratelimiter``; whether it
        was let through (other errors are raised)."""
        context = RequestContext()
        with self.baseplate.make_server_span(context, "handler"):
            try:
                context.ratelimiter.consume(key, amount)
            except RateLimitExceededException:
                return False
            return True

    def consume_in_one_window(
        self, key: str, times: int, amount: int = 1
    ) -> tuple[list[bool], int]:
        """Consume ``times`` times; return whether each was let through, and the number of
        the window they all fell in (the test is skipped if a window ended meanwhile)."""
        interval = self.factory.interval
        before = current_window(interval)
        results = [self.consume(key, amount) for _ in range(times)]
        if current_window(interval) != before:
            pytest.skip("a window ended during the test; run it again")
        return results, before

    @property
    def spans(self) -> list[Any]:
        """The child spans of every request so far, in order."""
        return [child for server in self.recorder.server_spans for child in server.children]


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """The windows' clock, stopped at ``frozen.now`` (1_000_000_000), which the test may move."""
    clock = SimpleNamespace(now=1_000_000_000.0)
    monkeypatch.setattr(_window, "time", SimpleNamespace(time=lambda: clock.now))
    return clock


@pytest.fixture
def limit() -> Callable[[ContextFactory, int, int], Limited]:
    """``limit(backend_factory, allowance, interval)``: a :class:`Limited`."""
    return Limited


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
        interval: int = 3600,
        amount: int = 1,
    ) -> tuple[int, int]:
        """Run the workers to the end; return how many hits in all were let through and
        refused. The workers all start consuming at one moment, once all are ready, on a
        bucket of their own; they run again (once) if a window ended meanwhile."""
        for _ in range(2):
            before = current_window(interval)
            counts = self._run_once(
                target,
                f"{prefix}{before}:",
                [processes, greenlets, hits, allowance, interval, amount],
            )
            if current_window(interval) == before:
                break
        return counts

    def _run_once(self, target: str, prefix: str, numbers: list[int]) -> tuple[int, int]:
        processes, greenlets, hits, allowance, interval, amount = numbers
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
