"""consume(): a server span per message, acknowledged after the handler, never lost."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from baseplate_testing import Process
from kombu.connection import Connection
from kombu.entity import Exchange

from baseplate.core import Baseplate, RequestContext
from baseplate.core.testing import RecordingObserver
from baseplate.queue_consumer import consume

if TYPE_CHECKING:
    from conftest import Broker

pytestmark = pytest.mark.integration

CONSUMER = Path(__file__).with_name("consumer_process.py")


class Stop(Exception):
    """Raised by a test's handler to end consume()."""


def test_each_message_is_a_server_span_acked_after_the_handler_returns(
    broker: Broker,
    connection: Connection,
    exchange: Exchange,
    queue_name: str,
    baseplate: Baseplate,
    recorder: RecordingObserver,
) -> None:
    """The handler gets a fresh context, the body and the unacked message; then it is acked."""
    seen: list[tuple[Any, Any, bool]] = []
    handled: list[Any] = []

    def handler(context: RequestContext, body: Any, message: Any) -> None:
        seen.append((context, body, message.acknowledged))
        handled.append(message)
        if body == "stop":
            raise Stop

    broker.publish("a", {"b": 2}, "stop")
    with pytest.raises(Stop):
        consume(baseplate, exchange, connection, queue_name, ["rk"], handler)

    assert [body for _, body, _ in seen] == ["a", {"b": 2}, "stop"]
    assert [acked for _, _, acked in seen] == [False, False, False]
    # a and b were acked; the failed one went back on the queue (kombu calls a requeued
    # message "acknowledged" too: the broker's count tells them apart).
    assert all(m.acknowledged for m in handled)
    assert broker.settled_count(1) == 1
    spans = recorder.server_spans
    assert [s.name for s in spans] == [queue_name] * 3
    assert [s.context for s in spans] == [context for context, _, _ in seen]
    assert spans[0].child("kombu.get_message").tags["routing_key"] == "rk"
    assert spans[0].exc_info is None
    assert spans[2].exc_info is not None
    assert spans[2].exc_info[0] is Stop


def test_a_message_whose_handler_raises_is_requeued_and_redelivered(
    broker: Broker, connection: Connection, exchange: Exchange, queue_name: str
) -> None:
    """The failed message goes back on the queue and the next consumer gets it again."""
    attempts: list[tuple[Any, bool]] = []

    def failing(context: RequestContext, body: Any, message: Any) -> None:
        attempts.append((body, message.delivery_info["redelivered"]))
        raise Stop

    broker.publish("poison", "next")
    with pytest.raises(Stop):
        consume(Baseplate(), exchange, connection, queue_name, ["rk"], failing)
    with pytest.raises(Stop):
        consume(Baseplate(), exchange, connection.clone(), queue_name, ["rk"], failing)
    assert attempts == [("poison", False), ("poison", True)]
    assert broker.settled_count(2) == 2


def _handled(path: Path) -> list[int]:
    return [int(line) for line in path.read_text(encoding="ascii").split()]


def test_a_consumer_killed_mid_message_loses_nothing(
    broker: Broker,
    amqp_url: str,
    queue_name: str,
    tmp_path: Path,
    spawn: Callable[..., Process],
) -> None:
    """SIGKILL while handling a message: the next consumer gets it and the rest; none lost."""
    total, stall_at = 3000, 1000
    broker.publish(*range(total))
    out = tmp_path / "handled.txt"
    out.touch()
    args = [sys.executable, str(CONSUMER), amqp_url, broker.exchange.name, queue_name, str(out)]

    first = spawn([*args, str(stall_at)])
    first.wait_for(rf"^stalled {stall_at}$", timeout=30)
    first.signal(signal.SIGKILL)
    first.wait(timeout=10)
    before = _handled(out)
    assert stall_at not in before
    assert before, "the first consumer handled nothing before it stalled"

    second = spawn([*args, "-1"])
    deadline = time.monotonic() + 30
    while len(set(_handled(out))) < total and time.monotonic() < deadline:
        time.sleep(0.05)
    handled = _handled(out)
    assert set(handled) == set(range(total)), (
        f"lost {sorted(set(range(total)) - set(handled))[:20]}"
    )
    assert stall_at in handled[len(before) :]
    second.signal(signal.SIGTERM)
    second.wait(timeout=10)
    assert broker.settled_count(0) == 0
