"""Test infrastructure shared by every package's tests (loaded by pytest from the root).

Integration tests find a real service through ``BASEPLATE_<NAME>_ADDR`` (``host:port``),
falling back to the service's usual local port. When nothing answers there, the test is
skipped with the reason -- unless ``BASEPLATE_REQUIRE_SERVICES=1`` (set by CI), which turns the
skip into a failure so a missing service can never pass silently.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

import pytest


def _find_service(name: str, default_port: int) -> tuple[str, int]:
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
        if os.environ.get("BASEPLATE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"BASEPLATE_REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)
    return host, port


@pytest.fixture
def service_address() -> Callable[[str, int], tuple[str, int]]:
    """Return a function ``(name, default_port) -> (host, port)`` for a real service.

    Example::

        def test_ping(service_address):
            host, port = service_address("redis", 6379)
    """
    return _find_service
