"""Fixtures for the events tests: POSIX event queues with small limits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from baseplate_testing import QueueFactory


@pytest.fixture
def event_queues() -> Iterator[QueueFactory]:
    """Create ``/events-<unique>`` queues (4 messages of 1024 bytes unless told otherwise).

    The production limits (10000 x 102400 bytes) exceed the default sysctls, so tests
    create the queue first: an EventQueue opening an existing queue keeps its limits. Each is
    unlinked at the end.
    """
    queues = QueueFactory("/events-bp-test-", max_messages=4, max_message_size=1024)
    yield queues
    queues.close()
