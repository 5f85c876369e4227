"""The shared service lookup's optional=True, which the Cassandra tests rely on."""

from __future__ import annotations

from collections.abc import Callable

import pytest


def test_optional_service_skips_even_when_services_are_required(
    monkeypatch: pytest.MonkeyPatch,
    unused_port: Callable[[], int],
    service_address: Callable[..., tuple[str, int]],
) -> None:
    """optional=True turns an unreachable service into a skip under REQUIRE_SERVICES=1."""
    monkeypatch.setenv("BASEPLATE_REQUIRE_SERVICES", "1")
    monkeypatch.setenv("BASEPLATE_CASSANDRA_ADDR", f"127.0.0.1:{unused_port()}")
    with pytest.raises(pytest.skip.Exception, match="cassandra is not reachable"):
        service_address("cassandra", 9042, optional=True)
    with pytest.raises(pytest.fail.Exception, match="BASEPLATE_REQUIRE_SERVICES=1 but"):
        service_address("cassandra", 9042)
