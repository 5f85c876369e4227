"""End to end: an experiment's bucketing event, from a request to the event collector.

The example WSGI service runs under baseplate-serve with its experiments file and an event
queue configured; the event publisher sidecar reads that queue and posts to a collector this
test runs. One request to ``GET /experiment`` must reach the collector as exactly one v2
bucketing event, signed and gzipped, naming the experiment, the variant and the user.
"""

from __future__ import annotations

import configparser
import gzip
import hashlib
import hmac
import json
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from baseplate_testing import REPO_ROOT, HTTPStandIn, Processes, QueueFactory, get_json
from thrift import TSerialization
from thrift.protocol.TJSONProtocol import TJSONProtocolFactory

from baseplate.events.thrift import ttypes
from baseplate.experiments.providers import parse_experiment

pytestmark = pytest.mark.integration

EXPERIMENTS_FILE = REPO_ROOT / "examples" / "wsgi_service" / "experiments.json"
SECRET = b"hunter2"
USER_ID = "t2_e2e"


@pytest.fixture
def queue_name() -> Iterator[str]:
    """A fresh ``/events-<name>`` queue, small enough for the default sysctls, unlinked after."""
    queues = QueueFactory("/events-bp-e2e-", max_messages=4, max_message_size=2048)
    yield queues().name.removeprefix("/events-")
    queues.close()


@pytest.fixture
def collector() -> Iterator[HTTPStandIn]:
    """A real HTTP collector on 127.0.0.1 that accepts every batch."""
    server = HTTPStandIn(lambda request: (204, {}, b""), protocol_version="HTTP/1.1")
    yield server
    server.stop()


def publisher_config(path: Path, queue_name: str, collector: HTTPStandIn) -> Path:
    path.write_text(
        f"[event-publisher:{queue_name}]\n"
        f"collector.hostname = {collector.address}\n"
        "collector.scheme = http\n"
        "collector.version = 2\n"
        "key.name = TestKey\n"
        "key.secret = aHVudGVyMg==\n"  # hunter2
    )
    return path


def service_config(path: Path, queue_name: str) -> Path:
    """examples/wsgi_service/example.ini with the experiments file and the event queue."""
    parser = configparser.RawConfigParser()
    parser.read(REPO_ROOT / "examples" / "wsgi_service" / "example.ini")
    parser.set("app:main", "experiments.path", str(EXPERIMENTS_FILE))
    parser.set("app:main", "events.queue_name", queue_name)
    with path.open("w") as config_file:
        parser.write(config_file)
    return path


def decode_v2_batch(body: bytes) -> list[Any]:
    """The events of a v2 batch: a Thrift JSON struct whose field 1 is the list of events."""
    kind, count, *items = json.loads(body)["1"]["lst"]
    assert ("rec", len(items)) == (kind, count)
    events = []
    for item in items:
        event = ttypes.Event()
        encoded = json.dumps(item, separators=(",", ":")).encode()
        TSerialization.deserialize(event, encoded, TJSONProtocolFactory())
        events.append(event)
    return events


def test_a_bucketing_event_reaches_the_collector_through_the_publisher(
    processes: Processes, queue_name: str, collector: HTTPStandIn, tmp_path: Path
) -> None:
    """One request that buckets a user makes exactly one v2 bucketing event at the
    collector, signed with the publisher's key, with the experiment, variant and user."""
    publisher = processes.start(
        [
            sys.executable,
            "-m",
            "baseplate.events.publisher",
            "--queue-name",
            queue_name,
            str(publisher_config(tmp_path / "publisher.ini", queue_name, collector)),
        ]
    )
    publisher.wait_for(r"Publishing events from /events-")
    _, port = processes.serve(service_config(tmp_path / "service.ini", queue_name), cwd=REPO_ROOT)
    config = json.loads(EXPERIMENTS_FILE.read_text())["greeting_style"]
    expected_variant = parse_experiment(config).variant(user_id=USER_ID)

    status, answer = get_json(port, f"/experiment?name=greeting_style&user_id={USER_ID}")

    assert status == 200, answer
    assert expected_variant is not None
    assert {"experiment": "greeting_style", "user_id": USER_ID, "variant": expected_variant} == (
        answer
    )
    collector.wait_for_requests(1)
    publisher.signal(signal.SIGTERM)  # flushes anything still held: a second event would show
    assert publisher.wait() == 0
    [request] = collector.requests
    assert (request.path, request.headers["content-encoding"]) == ("/v2", "gzip")

    body = gzip.decompress(request.body)
    mac = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    assert f"key=TestKey, mac={mac}" == request.headers["x-signature"]
    [event] = decode_v2_batch(body)
    assert (event.source, event.action, event.noun) == ("experiment", "choose", "user")
    assert (
        ttypes.Experiment(
            id=1, name="greeting_style", owner="examples", variant=expected_variant, version="1"
        )
        == event.experiment
    )
    assert (event.user.user_id, event.user.logged_in) == (USER_ID, True)
    assert event.uuid


def test_without_an_experiments_file_the_route_says_so(processes: Processes) -> None:
    """The example as shipped (the demo's configuration) answers GET /experiment with a 404
    naming the missing key, and needs neither experiments nor events to start."""
    _, port = processes.serve(
        REPO_ROOT / "examples" / "wsgi_service" / "example.ini", cwd=REPO_ROOT
    )

    assert get_json(port, "/experiment?name=greeting_style&user_id=t2_1") == (
        404,
        {"error": "experiments.path is not configured"},
    )
