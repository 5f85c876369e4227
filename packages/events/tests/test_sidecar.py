"""The event publisher sidecar as it runs: a real process, queue and collector.

Every test starts the sidecar as a subprocess on a queue the test created (small limits: the
production ones exceed the default sysctls) and posts to a real HTTP collector in this
process.
"""

from __future__ import annotations

import collections
import json
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from baseplate_testing import Process

from baseplate.events import Event, EventQueue, serialize_v2_event
from baseplate.events.thrift.ttypes import Event as EventV2
from baseplate.message_queue import MessageQueue

pytestmark = pytest.mark.integration

PREFIX = "/events-"
MODULE = [sys.executable, "-m", "baseplate.events.publisher"]


def write_config(tmp_path: Path, queue_name: str, **keys: str) -> Path:
    """An INI file with [event-publisher:queue_name] holding ``keys`` (dots as __)."""
    values = {
        "key.name": "TestKey",
        "key.secret": "aHVudGVyMg==",  # hunter2
        "collector.scheme": "http",
        "retry.initial_delay": "0.05",
        "retry.max_delay": "0.2",
    }
    values.update({key.replace("__", "."): value for key, value in keys.items()})
    path = tmp_path / "publisher.ini"
    lines = [f"[event-publisher:{queue_name}]", *(f"{k} = {v}" for k, v in values.items())]
    path.write_text("\n".join(lines) + "\n")
    return path


def start_sidecar(
    spawn: Callable[..., Process], config: Path, queue_name: str, command: list[str] = MODULE
) -> Process:
    process = spawn([*command, "--queue-name", queue_name, str(config)])
    process.wait_for(r"Publishing events from /events-")
    return process


class Pipeline:
    """A test's event queue (``/events-<name>``) and a way to start sidecars reading it."""

    def __init__(self, queue: MessageQueue, spawn: Callable[..., Process], tmp_path: Path):
        self.queue = queue
        self.name = queue.name.removeprefix(PREFIX)
        self._spawn = spawn
        self._tmp_path = tmp_path

    def sidecar(self, hostname: str, command: list[str] = MODULE, **keys: str) -> Process:
        """Start a sidecar posting to ``hostname``; ``keys`` as for :func:`write_config`."""
        config = write_config(self._tmp_path, self.name, collector__hostname=hostname, **keys)
        return start_sidecar(self._spawn, config, self.name, command)


@pytest.fixture
def pipeline(
    event_queues: Callable[..., MessageQueue], spawn: Callable[..., Process], tmp_path: Path
) -> Pipeline:
    """A queue of 4 messages of 1024 bytes, and its sidecars."""
    return Pipeline(event_queues(), spawn, tmp_path)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def event_ids(bodies: list[bytes]) -> collections.Counter[str]:
    return collections.Counter(event["uuid"] for body in bodies for event in json.loads(body))


def test_events_arrive_exactly_once_through_a_collector_outage(
    event_queues: Callable[..., MessageQueue],
    collector: Callable[..., Any],
    spawn: Callable[..., Process],
    tmp_path: Path,
) -> None:
    """The collector goes away for seconds mid-run and comes back: each event put arrives
    once, and while it is away the sidecar holds one batch (its memory does not grow)."""
    queue = event_queues(max_messages=10, max_message_size=8192)
    name = queue.name.removeprefix(PREFIX)
    server = collector()
    sidecar = start_sidecar(
        spawn, write_config(tmp_path, name, collector__hostname=server.address), name
    )
    events = EventQueue(name, put_timeout=15.0)
    put: list[str] = []

    def produce() -> None:
        for n in range(400):
            event = Event("test", "outage")
            event.set_field("n", n)
            events.put(event)  # waits while the queue is full, as a request would
            put.append(str(event.id))
            time.sleep(0.01)

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    server.wait_for(lambda c: len(c.accepted) >= 1)
    server.stop()  # right after a delivery: no POST is in flight
    outage_started = time.monotonic()
    baseline = rss_kib(sidecar.pid)
    samples = []
    while time.monotonic() - outage_started < 3.0:
        time.sleep(0.25)
        samples.append(rss_kib(sidecar.pid))
    assert queue.current_messages > 0  # events wait in the queue, not in the sidecar
    server.start()
    producer.join(30)
    assert not producer.is_alive()
    server.wait_for(lambda c: set(put) <= set(event_ids(c.accepted)))

    received = event_ids(server.accepted)
    assert len(put) == 400
    assert set(put) == set(received)
    assert sorted(set(received.values())) == [1], "some events arrived more than once"
    assert max(samples) - baseline < 4096, f"RSS grew from {baseline} KiB to {max(samples)}"
    sidecar.wait_for(r"Could not post \d+ event\(s\)")


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(MODULE, id="baseplate.events.publisher"),
        pytest.param(
            [sys.executable, "-m", "baseplate.sidecars.event_publisher"],
            id="baseplate.sidecars.event_publisher",
        ),
        pytest.param(["baseplate-event-publisher"], id="console-script"),
    ],
)
def test_the_sidecar_runs_under_each_name_and_stops_on_sigterm(
    command: list[str], pipeline: Pipeline, collector: Callable[..., Any]
) -> None:
    """Each way of running it publishes signed v1 batches to /v1 and exits 0 on SIGTERM."""
    if command == ["baseplate-event-publisher"]:
        script = shutil.which("baseplate-event-publisher", path=str(Path(sys.executable).parent))
        if script is None:
            pytest.fail("the baseplate-event-publisher console script is not installed")
        command = [script]
    server = collector()
    event = Event("test", "names")
    EventQueue(pipeline.name).put(event)

    sidecar = pipeline.sidecar(server.address, command)
    server.wait_for(lambda c: len(c.accepted) == 1)
    sidecar.signal(signal.SIGTERM)

    assert sidecar.wait() == 0
    [(path, headers, body)] = server.requests
    assert path == "/v1"
    assert headers["x-signature"].startswith("key=TestKey, mac=")
    assert [str(event.id)] == [item["uuid"] for item in json.loads(body)]


def test_v2_events_go_to_v2_as_a_thrift_list(
    pipeline: Pipeline, collector: Callable[..., Any]
) -> None:
    """With collector.version = 2, Thrift JSON events are posted to /v2 in a v2 batch."""
    server = collector()
    events = EventQueue(pipeline.name, event_serializer=serialize_v2_event)
    events.put(EventV2(source="baseplate", action="test", noun="baseplate"))
    events.put(EventV2(noun="second"))

    pipeline.sidecar(server.address, collector__version="2")
    server.wait_for(lambda c: len(c.accepted) >= 1)

    [(path, _, body)] = server.requests
    assert path == "/v2"
    assert body == (
        b'{"1":{"lst":["rec",2,{"1":{"str":"baseplate"},"2":{"str":"test"},'
        b'"3":{"str":"baseplate"}},{"3":{"str":"second"}}]}}'
    )


def test_a_refused_batch_is_dropped_and_the_next_delivered(
    pipeline: Pipeline, collector: Callable[..., Any]
) -> None:
    """A 4xx answer drops that batch (logged with the answer) and the sidecar carries on."""
    server = collector(script=[(400, b"bad signature")])
    events = EventQueue(pipeline.name)
    events.put(Event("test", "refused"))
    sidecar = pipeline.sidecar(server.address)
    sidecar.wait_for(r"refused a batch of 1 event\(s\) with 400; dropping it\. .*bad signature")

    events.put(Event("test", "accepted"))
    server.wait_for(lambda c: len(c.accepted) == 1)

    assert len(server.requests) == 2
    assert [item["event_type"] for item in json.loads(server.accepted[0])] == ["accepted"]


def test_on_sigterm_undelivered_events_go_back_on_the_queue(
    pipeline: Pipeline, unused_port: Callable[[], int]
) -> None:
    """Stopped while the collector is down, the sidecar puts its batch back and exits 0."""
    events = EventQueue(pipeline.name)
    for kind in ("a", "b", "c"):
        events.put(Event("test", kind))
    sidecar = pipeline.sidecar(f"127.0.0.1:{unused_port()}")
    sidecar.wait_for(r"Could not post 3 event\(s\)")

    sidecar.signal(signal.SIGTERM)

    assert sidecar.wait() == 0
    sidecar.wait_for(r"3 undelivered event\(s\) put back on the queue for the next publisher")
    returned = [json.loads(pipeline.queue.get(timeout=1))["event_type"] for _ in range(3)]
    assert returned == ["a", "b", "c"]


def test_bad_configuration_stops_the_sidecar_at_startup(
    spawn: Callable[..., Process], tmp_path: Path
) -> None:
    """A bad key makes the sidecar exit 1 with an error naming the key."""
    config = write_config(tmp_path, "bad", collector__hostname="h", collector__version="3")

    sidecar = spawn([*MODULE, "--queue-name", "bad", str(config)])

    assert sidecar.wait() == 1
    sidecar.wait_for(r"Cannot start the event publisher: .*collector\.version")
