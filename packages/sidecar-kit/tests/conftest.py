"""Fixtures for the kit's tests: a real HTTP collector that answers from a script, and a
port nothing listens on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from baseplate_testing import Answer, HTTPStandIn, ReceivedRequest, free_port

#: A scripted answer that never comes: the request is read and held until the test ends.
HANG = "hang"


@pytest.fixture
def collector() -> Iterator[Callable[..., HTTPStandIn]]:
    """Start collectors: ``collector(script=[(status, body) or HANG, ...], default=...)``;
    each request takes the script's next answer, then ``default``'s."""
    started: list[HTTPStandIn] = []

    def start(script: list[Any] | None = None, default: tuple[int, bytes] = (202, b"")) -> Any:
        answers = list(script or [])

        def answer(request: ReceivedRequest) -> Answer:
            status_body = answers.pop(0) if answers else default
            return None if status_body == HANG else (status_body[0], {}, status_body[1])

        server = HTTPStandIn(answer, hold=20.0)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def refused_address() -> str:
    """The address of a TCP port nothing listens on (connections are refused)."""
    return f"127.0.0.1:{free_port()}"
