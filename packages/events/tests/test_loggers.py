"""EventLogger, the interface event-emitting components log through, and DebugLogger."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from baseplate.events import DebugLogger, EventLogger


def test_debug_logger_writes_the_fields_at_debug_level(caplog: pytest.LogCaptureFixture) -> None:
    """Each logged event is one debug record on baseplate.events, its fields sorted."""
    caplog.set_level(logging.DEBUG, logger="baseplate.events")

    DebugLogger().log(variant="control", experiment="exp", user_id=None)

    [record] = caplog.records
    assert (record.name, record.levelno) == ("baseplate.events", logging.DEBUG)
    assert (
        record.getMessage()
    ) == "event: {'experiment': 'exp', 'user_id': None, 'variant': 'control'}"


def test_debug_logger_takes_another_logger(caplog: pytest.LogCaptureFixture) -> None:
    """A given logger receives the records instead."""
    caplog.set_level(logging.DEBUG, logger="my.events")

    DebugLogger(logging.getLogger("my.events")).log(a=1)

    assert [record.name for record in caplog.records] == ["my.events"]


def test_an_event_logger_must_implement_log() -> None:
    """EventLogger is abstract: a subclass without log() cannot be made, one with it can."""

    class Incomplete(EventLogger):
        pass

    class Recording(EventLogger):
        def __init__(self) -> None:
            self.logged: list[dict[str, Any]] = []

        def log(self, **kwargs: Any) -> None:
            self.logged.append(kwargs)

    with pytest.raises(TypeError, match="abstract"):
        Incomplete()  # type: ignore[abstract]
    recording = Recording()
    recording.log(event_type="choose")
    assert recording.logged == [{"event_type": "choose"}]
