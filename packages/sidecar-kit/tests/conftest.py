"""Fixtures for the kit's tests: real HTTP collectors that answer from a script, and a port
nothing listens on."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from baseplate_testing import HTTPStandIn, ScriptedCollectors, free_port


@pytest.fixture
def collector() -> Iterator[Callable[..., HTTPStandIn]]:
    """Start collectors: ``collector(script=[(status, body) or HANG, ...], default=...)``."""
    collectors = ScriptedCollectors()
    yield collectors.start
    collectors.stop()


@pytest.fixture
def refused_address() -> str:
    """The address of a TCP port nothing listens on (connections are refused)."""
    return f"127.0.0.1:{free_port()}"
