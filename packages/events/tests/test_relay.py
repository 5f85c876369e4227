"""The publisher's retry policy and metrics, in process, against a real collector."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from baseplate.events._collector import CollectorClient
from baseplate.events.publisher import BatchPublisher
from baseplate.metrics import metrics_client_from_config

pytestmark = pytest.mark.integration


@pytest.fixture
def statsd() -> Iterator[socket.socket]:
    """A UDP socket standing in for statsd."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5)
        yield sock


def received_lines(sock: socket.socket, count: int) -> list[str]:
    lines: list[str] = []
    while len(lines) < count:
        lines.extend(sock.recv(65536).decode().splitlines())
    return lines


def publisher_for(address: str, statsd: socket.socket, **kwargs: Any) -> BatchPublisher:
    host, port = statsd.getsockname()
    metrics = metrics_client_from_config(
        {
            "metrics.namespace": "ep",
            "metrics.endpoint": f"{host}:{port}",
            "metrics.flush_interval": "0 seconds",
        }
    )
    client = CollectorClient(f"http://{address}/v1", "Key", b"hunter2", 2.0)
    return BatchPublisher(client, metrics=metrics, backoff_initial=0.01, **kwargs)


def test_5xx_answers_are_retried_until_accepted_and_counted(
    collector: Callable[..., Any], statsd: socket.socket
) -> None:
    """Two 503s then a 200: three posts of the same body, two failures, the events sent."""
    server = collector(script=[(503, b""), (503, b"")])
    publisher = publisher_for(server.address, statsd)

    assert publisher.publish(b"[{},{}]", 2) is True

    assert [body for _, _, body in server.requests] == [b"[{},{}]"] * 3
    lines = [line for line in received_lines(statsd, 8) if "|c" in line]
    assert lines == ["ep.failed:1|c", "ep.error.http:1|c"] * 2 + ["ep.sent:2|c"]


def test_io_errors_are_retried(
    unused_port: Callable[[], int], collector: Callable[..., Any], statsd: socket.socket
) -> None:
    """With nothing listening, each attempt fails with error.io until stopped."""
    stop = threading.Event()
    publisher = publisher_for(f"127.0.0.1:{unused_port()}", statsd, stop_event=stop)
    threading.Timer(0.3, stop.set).start()

    assert publisher.publish(b"[{}]", 1) is None

    lines = received_lines(statsd, 4)
    assert "ep.error.io:1|c" in lines
    assert "ep.sent:1|c" not in lines


def test_a_4xx_answer_drops_the_batch_with_a_count(
    collector: Callable[..., Any], statsd: socket.socket
) -> None:
    """A 403 is never retried: one post, publish returns False, dropped counts the events."""
    server = collector(default=(403, b"no"))
    publisher = publisher_for(server.address, statsd)

    assert publisher.publish(b"[{},{},{}]", 3) is False

    assert len(server.requests) == 1
    lines = [line for line in received_lines(statsd, 4) if "|c" in line]
    assert lines == ["ep.failed:1|c", "ep.error.http:1|c", "ep.dropped:3|c"]


def test_backoff_doubles_up_to_its_maximum(collector: Callable[..., Any]) -> None:
    """The pauses between attempts double from backoff_initial and stop at backoff_max."""
    server = collector(script=[(500, b"")] * 5)
    waits: list[float] = []

    class RecordingStop(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            waits.append(timeout or 0.0)
            return False

    client = CollectorClient(f"http://{server.address}/v1", "Key", b"s", 2.0)
    publisher = BatchPublisher(
        client, stop_event=RecordingStop(), backoff_initial=0.5, backoff_max=3.0
    )

    assert publisher.publish(b"[]", 0) is True
    assert waits == [0.5, 1.0, 2.0, 3.0, 3.0]
