"""Fixtures for the tracing tests: a real HTTP collector, dead endpoints and POSIX queues."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from baseplate_testing import HTTPStandIn, QueueFactory, ScriptedCollectors, free_port

#: A generous bound on every wait; reaching it means something hangs, not that it is slow.
WATCHDOG = 20.0


@pytest.fixture
def collector() -> Iterator[Callable[..., HTTPStandIn]]:
    """Start real HTTP collectors: ``collector(script=[...], default=(202, b""))``; each
    request takes the script's next answer, ``(status, body)`` or ``HANG``."""
    collectors = ScriptedCollectors(hold=WATCHDOG)
    yield collectors.start
    collectors.stop()


@pytest.fixture
def blackhole_address() -> Iterator[str]:
    """A listening TCP socket that never accepts a connection nor answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    yield f"127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


@pytest.fixture
def refused_address() -> str:
    """The address of a TCP port nothing listens on (connections are refused)."""
    return f"127.0.0.1:{free_port()}"


@pytest.fixture
def trace_queue() -> Iterator[QueueFactory]:
    """Create ``/traces-<unique>`` queues with small limits; unlink them at the end.

    The production limits (10000 x 102400 bytes) exceed the default sysctls, so the tests
    create the queue first: opening an existing queue keeps its limits.
    """
    queues = QueueFactory("/traces-bp-test-", max_messages=8, max_message_size=4096)
    yield queues
    queues.close()


def run_with_watchdog(function: Callable[[], Any]) -> Any:
    """Run ``function`` in a thread; fail if it has not returned within WATCHDOG seconds.

    This is a hang detector, not a speed check: the bound is orders of magnitude above
    the expected time. Exceptions raised by ``function`` are re-raised here.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = function()
        except BaseException as exc:  # re-raised in the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(WATCHDOG)
    assert not thread.is_alive(), f"{function!r} did not return within {WATCHDOG} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


@pytest.fixture
def watchdog() -> Callable[[Callable[[], Any]], Any]:
    """The :func:`run_with_watchdog` helper, as a fixture."""
    return run_with_watchdog
