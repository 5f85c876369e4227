"""Fixtures shared by baseplate-metrics' tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from baseplate.metrics import DatagramTransport


@pytest.fixture(autouse=True)
def close_transports(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Close every DatagramTransport a test makes, so no socket is left to the GC."""
    made: list[DatagramTransport] = []
    original_init = DatagramTransport.__init__

    def recording_init(self: DatagramTransport, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(DatagramTransport, "__init__", recording_init)
    yield
    for transport in made:
        transport.close()
