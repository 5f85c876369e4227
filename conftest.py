"""Test infrastructure shared by every package's tests (loaded by pytest from the root).

Where shared test helpers live
------------------------------

- Fixtures that any package's tests may use are defined here: ``service_address``,
  ``unused_port``, ``processes`` and ``spawn``, ``make_queue``.
- The helpers behind them, and others that are not fixtures, are in
  ``tools/testing/baseplate_testing.py``. This file puts that directory on ``sys.path`` for
  the test run, so a test module can ``from baseplate_testing import free_port, Process``.
  That module imports only the standard library at the top; a helper that needs a
  package's dependency imports it when called (the message-queue helpers import
  ``baseplate.message_queue``, hence posix_ipc), so every package's isolated nox session
  collects its tests without the others installed. A new helper keeps to that rule.
- What only one package's tests share stays in that package's ``tests/conftest.py``.

Real services
-------------

Integration tests find a real service through ``BASEPLATE_<NAME>_ADDR`` (``host:port``),
falling back to the service's usual local port. When nothing answers there, the test is
skipped with the reason -- unless ``BASEPLATE_REQUIRE_SERVICES=1`` (set by CI), which turns the
skip into a failure so a missing service can never pass silently. A service that cannot be
installed on the test machines (Cassandra) is asked for with ``optional=True``: its tests
skip with the reason even then, and run wherever one is reachable.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

_TESTING = str(Path(__file__).resolve().parent / "tools" / "testing")
if _TESTING not in sys.path:
    sys.path.insert(0, _TESTING)

from baseplate_testing import Process, Processes, QueueFactory, free_port  # noqa: E402


def _find_service(name: str, default_port: int, *, optional: bool = False) -> tuple[str, int]:
    variable = f"BASEPLATE_{name.upper()}_ADDR"
    address = os.environ.get(variable, f"127.0.0.1:{default_port}")
    host, _, port_text = address.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    try:
        port = int(port_text)
    except ValueError:
        pytest.fail(f"{variable} must be host:port, got {address!r}")
    try:
        with socket.create_connection((host, port), timeout=1.0):
            pass
    except OSError as exc:
        reason = f"{name} is not reachable at {host}:{port} ({exc}); set {variable}"
        if not optional and os.environ.get("BASEPLATE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"BASEPLATE_REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)
    return host, port


@pytest.fixture
def service_address() -> Callable[..., tuple[str, int]]:
    """Return a function ``(name, default_port, *, optional=False) -> (host, port)`` for a
    real service.

    With ``optional=True`` an unreachable service skips the test even under
    ``BASEPLATE_REQUIRE_SERVICES=1``: for a service the test machines cannot run (Cassandra),
    whose tests run only where one is reachable.

    Example::

        def test_ping(service_address):
            host, port = service_address("redis", 6379)
    """
    return _find_service


@pytest.fixture
def unused_port() -> Callable[..., int]:
    """A function returning a free local port: ``unused_port()`` (TCP) or
    ``unused_port(socket.SOCK_DGRAM)`` (UDP); see ``baseplate_testing.free_port``."""
    return free_port


@pytest.fixture
def processes() -> Iterator[Processes]:
    """The test's subprocesses (``baseplate_testing.Processes``); each is ended afterwards."""
    started = Processes()
    yield started
    started.close()


@pytest.fixture
def spawn(processes: Processes) -> Callable[..., Process]:
    """``spawn(args, **kwargs)``: start a ``baseplate_testing.Process``, ended afterwards."""
    return processes.start


@pytest.fixture
def make_queue() -> Iterator[QueueFactory]:
    """Open POSIX message queues (``baseplate_testing.QueueFactory``, limits 4 x 64 bytes
    unless given) with unique names; each is unlinked and closed at the end of the test.

    Example::

        def test_round_trip(make_queue):
            queue = make_queue(max_messages=2)
    """
    queues = QueueFactory()
    yield queues
    queues.close()
