"""Fixtures of baseplate-context-memcache's tests: the real memcached and one request.

The shared memcached is the one tools/memcached.sh starts on 127.0.0.1:11211
(BASEPLATE_MEMCACHED_ADDR points elsewhere); tests there use keys of their own, so they
never disturb one another. Calls that affect a whole server (flush_all, shutdown) go to a
private memcached started on a free port from the same installation.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import pytest
from baseplate_testing import Process
from pymemcache.client.base import PooledClient

from baseplate.context.memcache import MemcacheContextFactory
from baseplate.core import Baseplate, RequestContext
from baseplate.core.testing import RecordingObserver

MEMCACHED = "/usr/bin/memcached"


@pytest.fixture
def memcached(service_address: Callable[[str, int], tuple[str, int]]) -> tuple[str, int]:
    """The shared memcached's address."""
    return service_address("memcached", 11211)


@pytest.fixture
def pool(memcached: tuple[str, int]) -> Iterator[PooledClient]:
    """A pool of connections to the shared memcached, waiting for each answer."""
    client = PooledClient(memcached, connect_timeout=1.0, timeout=1.0, default_noreply=False)
    yield client
    client.close()


@pytest.fixture
def key() -> Callable[[str], str]:
    """``key(name)``: a key no other test (or run) uses."""
    run = uuid.uuid4().hex[:12]
    return lambda name: f"baseplate-test:{run}:{name}"


class PrivateMemcached(NamedTuple):
    address: tuple[str, int]
    process: Process


@pytest.fixture
def private_memcached(
    spawn: Callable[..., Process], unused_port: Callable[[], int]
) -> PrivateMemcached:
    """A memcached of this test's own, on a free port, for calls that affect a whole server
    (shutdown enabled)."""
    binary = shutil.which("memcached") or MEMCACHED
    if not os.access(binary, os.X_OK):
        reason = "memcached is not installed (tools/memcached.sh installs it)"
        if os.environ.get("BASEPLATE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"BASEPLATE_REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)
    port = unused_port()
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    process = spawn([binary, "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-m", "8", "-A", *user])
    deadline = time.monotonic() + 10.0
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return PrivateMemcached(("127.0.0.1", port), process)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class Request:
    """Runs handlers in requests whose context has the memcached connection as ``memcache``."""

    def __init__(self, pooled_client: PooledClient) -> None:
        self.baseplate = Baseplate()
        self.recorder = RecordingObserver()
        self.baseplate.register(self.recorder)
        self.baseplate.add_to_context("memcache", MemcacheContextFactory(pooled_client))

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
def request_with(pool: PooledClient) -> Request:
    """Requests on the shared memcached."""
    return Request(pool)
