"""EventQueueLogger: the fields an event-emitting component logs, as events on a real queue."""

from __future__ import annotations

import enum
import json
import logging
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from thrift import TSerialization
from thrift.protocol.TJSONProtocol import TJSONProtocolFactory

from baseplate.events import EventQueueLogger, serialize_v1_event
from baseplate.events.thrift import ttypes
from baseplate.message_queue import MessageQueue


class Kind(enum.Enum):
    BUCKET = "choose"


EXPERIMENT = SimpleNamespace(id=7, name="button_color", owner="growth", version=3)
FIELDS: dict[str, Any] = {
    "experiment": EXPERIMENT,
    "variant": "blue",
    "user_id": "t2_abc",
    "logged_in": True,
    "cookie_created_timestamp": 1700000000000,
    "app_name": "web",
    "event_type": Kind.BUCKET,
    "inputs": {"user_id": "t2_abc"},
    "span": object(),
}


def queue_name(queue: MessageQueue) -> str:
    return queue.name.removeprefix("/events-")


def read_v2(queue: MessageQueue) -> ttypes.Event:
    event = ttypes.Event()
    TSerialization.deserialize(event, queue.get(timeout=1), TJSONProtocolFactory())
    return event


def test_logs_a_v2_event_with_the_experiment_user_and_app(
    event_queues: Callable[..., MessageQueue],
) -> None:
    """By default each logged event is a v2 Thrift event carrying every field it was given."""
    queue = event_queues()

    EventQueueLogger(queue_name(queue)).log(**FIELDS)

    event = read_v2(queue)
    assert (event.source, event.action, event.noun) == ("experiment", "choose", "user")
    assert (
        ttypes.Experiment(id=7, name="button_color", owner="growth", variant="blue", version="3")
        == event.experiment
    )
    assert (
        ttypes.User(user_id="t2_abc", logged_in=True, cookie_created_timestamp=1700000000000)
        == event.user
    )
    assert ttypes.App(name="web") == event.app
    assert event.uuid
    assert event.client_timestamp > 1700000000000
    assert queue.current_messages == 0


def test_missing_fields_are_left_out(event_queues: Callable[..., MessageQueue]) -> None:
    """Without user or app fields the v2 event has no user or app struct; a string
    event_type is taken as is."""
    queue = event_queues()

    EventQueueLogger(queue_name(queue)).log(
        experiment=EXPERIMENT, variant="red", event_type="expose"
    )

    event = read_v2(queue)
    assert (event.action, event.user, event.app) == ("expose", None, None)
    assert event.experiment.variant == "red"


def test_each_event_gets_its_own_uuid(event_queues: Callable[..., MessageQueue]) -> None:
    """Two events logged with the same fields are two events."""
    queue = event_queues()
    logger = EventQueueLogger(queue_name(queue))

    logger.log(**FIELDS)
    logger.log(**FIELDS)

    assert read_v2(queue).uuid != read_v2(queue).uuid


def test_with_the_v1_serializer_logs_a_v1_event(
    event_queues: Callable[..., MessageQueue],
) -> None:
    """Built with serialize_v1_event, the logger queues v1 JSON events of topic
    "experiment" with the fields in the payload."""
    queue = event_queues()

    EventQueueLogger(queue_name(queue), event_serializer=serialize_v1_event).log(**FIELDS)

    event = json.loads(queue.get(timeout=1))
    assert (event["event_topic"], event["event_type"]) == ("experiment", "choose")
    assert event["payload"] == {
        "experiment_id": 7,
        "experiment_name": "button_color",
        "experiment_owner": "growth",
        "experiment_version": "3",
        "variant": "blue",
        "user_id": "t2_abc",
        "logged_in": True,
        "cookie_created_timestamp": 1700000000000,
        "app_name": "web",
    }


def test_a_full_queue_drops_counts_and_warns_once(
    event_queues: Callable[..., MessageQueue], caplog: pytest.LogCaptureFixture
) -> None:
    """Past the queue's capacity log() returns without raising; each event not queued is
    counted, and the warning is rate-limited (one for two drops in a row)."""
    queue = event_queues(max_messages=2)
    logger = EventQueueLogger(queue_name(queue))
    caplog.set_level(logging.WARNING, logger="baseplate.events")

    for _ in range(4):
        logger.log(**FIELDS)

    assert (queue.current_messages, logger.dropped) == (2, 2)
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "a choose event was not queued on /events-" in warning.getMessage()
    assert "stayed full" in warning.getMessage()


def test_an_oversized_event_is_dropped_and_counted(
    event_queues: Callable[..., MessageQueue], caplog: pytest.LogCaptureFixture
) -> None:
    """An event larger than the queue's messages is not queued, and log() does not raise."""
    queue = event_queues()
    logger = EventQueueLogger(queue_name(queue))

    logger.log(**{**FIELDS, "variant": "x" * 2000})

    assert (queue.current_messages, logger.dropped) == (0, 1)
    assert "the event queue takes at most 1024" in caplog.text


def test_a_failing_serializer_does_not_reach_the_caller(
    event_queues: Callable[..., MessageQueue], caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever goes wrong building or serializing the event is counted and warned about."""

    def refuse(event: Any) -> bytes:
        raise ValueError("cannot serialize that")

    queue = event_queues()
    logger = EventQueueLogger(queue_name(queue), event_serializer=refuse)

    logger.log(**FIELDS)

    assert logger.dropped == 1
    assert "cannot serialize that" in caplog.text


def test_close_leaves_queued_events_for_the_publisher(
    event_queues: Callable[..., MessageQueue],
) -> None:
    """close() closes the logger's queue; what it queued is still there."""
    queue = event_queues()
    logger = EventQueueLogger(queue_name(queue))
    logger.log(**FIELDS)

    logger.close()

    assert queue.current_messages == 1
