"""Tests of the trace publisher sidecar against real POSIX queues and a real HTTP collector."""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import subprocess
import sys
import sysconfig
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from baseplate.config import ConfigurationError
from baseplate.diagnostics.tracing import SidecarRecorder, ZipkinEndpoint, ZipkinSpan, publisher
from baseplate.diagnostics.tracing._relay import QUEUE_READ_TIMEOUT
from baseplate.diagnostics.tracing.publisher import (
    DRAIN_PAUSE,
    MAX_BATCH_SIZE_DEFAULT,
    BatchFull,
    SpanBatch,
    ZipkinPublisher,
    parse_publisher_config,
    publish_from_queue,
)
from baseplate.message_queue import MessageQueue, TimedOutError
from baseplate.metrics import metrics_client_from_config

WATCHDOG = 20.0
HANG = "hang"
LOGGER = "baseplate.diagnostics.tracing.publisher"

SPAN_A = b'{"traceId":1,"name":"a","id":1,"parentId":0}'
SPAN_B = b'{"traceId":1,"name":"b","id":2,"parentId":1}'


class RecordingEvent(threading.Event):
    """A stop event whose waits return at once and are recorded (no real sleeping)."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        if timeout is not None:
            self.waits.append(timeout)
        return self.is_set()


def publisher_for(address: str, **kwargs: Any) -> ZipkinPublisher:
    options: dict[str, Any] = {
        "post_timeout": 2.0,
        "retry_limit": 10,
        "backoff_initial": 0.01,
        "backoff_max": 0.04,
        "user_agent": "baseplate-trace-publisher/test",
    }
    options.update(kwargs)
    return ZipkinPublisher(f"http://{address}/api/v1", **options)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# --- SpanBatch ---------------------------------------------------------------------------


def test_batch_serializes_as_a_json_array() -> None:
    """A batch is the spans joined with commas inside brackets; size counts all of it."""
    batch = SpanBatch(max_size=1000)
    batch.add(SPAN_A)
    batch.add(SPAN_B)
    expected = b"[" + SPAN_A + b"," + SPAN_B + b"]"
    assert batch.serialize() == expected
    assert (batch.size, len(batch)) == (len(expected), 2)


def test_batch_refuses_a_span_that_does_not_fit() -> None:
    """Adding a span that would exceed max_size raises BatchFull and leaves the batch as is."""
    batch = SpanBatch(max_size=2 + len(SPAN_A) + 1 + len(SPAN_B) - 1)
    batch.add(SPAN_A)
    with pytest.raises(BatchFull):
        batch.add(SPAN_B)
    assert batch.serialize() == b"[" + SPAN_A + b"]"


def test_batch_takes_one_oversized_span_when_empty() -> None:
    """An empty batch accepts even a span larger than max_size, so it cannot stall."""
    batch = SpanBatch(max_size=10)
    batch.add(SPAN_A)
    assert batch.serialize() == b"[" + SPAN_A + b"]"


def test_batch_is_due_one_age_after_its_first_span() -> None:
    """A batch is due when its first span is max_age old; an empty batch is never due."""
    clock = FakeClock()
    batch = SpanBatch(max_size=1000, max_age=1.0, clock=clock)
    clock.now += 5
    assert batch.is_due() is False
    batch.add(SPAN_A)
    clock.now += 0.5
    batch.add(SPAN_B)
    assert batch.is_due() is False
    clock.now += 0.5
    assert batch.is_due() is True
    batch.reset()
    assert (batch.is_due(), batch.serialize(), batch.size) == (False, b"[]", 2)


# --- ZipkinPublisher against a real collector -----------------------------------------------


@pytest.mark.integration
def test_publisher_retries_5xx_until_the_collector_accepts(
    collector: Callable[..., Any],
) -> None:
    """503, 503, then 202: the same batch is posted three times and reported delivered."""
    server = collector(script=[(503, b"busy"), (503, b"busy")], default=(202, b""))
    body = b"[" + SPAN_A + b"," + SPAN_B + b"]"
    stop = RecordingEvent()
    assert publisher_for(server.address, stop_event=stop).publish(body, 2) is True
    assert [r.body for r in server.requests] == [
        b'[{"traceId":1,"name":"a","id":1,"parentId":0},{"traceId":1,"name":"b","id":2,"parentId":1}]'
    ] * 3
    for received in server.requests:
        assert (received.method, received.path) == ("POST", "/api/v1/spans")
        assert received.headers["content-type"] == "application/json"
        assert received.headers["user-agent"] == "baseplate-trace-publisher/test"
    assert stop.waits == [0.01, 0.02]


@pytest.mark.integration
def test_publisher_retries_after_a_timeout(collector: Callable[..., Any]) -> None:
    """A collector that accepts the connection and never answers is timed out and retried."""
    server = collector(script=[HANG], default=(202, b""))
    publisher = publisher_for(server.address, post_timeout=0.2)
    assert publisher.publish(b"[" + SPAN_A + b"]", 1) is True
    assert [r.body for r in server.requests] == [b"[" + SPAN_A + b"]"] * 2


@pytest.mark.integration
def test_publisher_retries_when_the_collector_is_down(refused_address: str) -> None:
    """Connection refused is retried with doubling, capped backoff until stopped."""
    stop = RecordingEvent()
    publisher = publisher_for(refused_address, stop_event=stop, backoff_max=0.05, retry_limit=3)
    attempts = 0
    original = stop.wait

    def wait(timeout: float | None = None) -> bool:
        nonlocal attempts
        attempts += 1
        if attempts == 6:
            stop.set()
        return original(timeout)

    stop.wait = wait  # type: ignore[method-assign]
    assert publisher.publish(b"[" + SPAN_A + b"]", 1) is None
    assert stop.waits == [0.01, 0.02, 0.04, 0.05, 0.05, 0.05]


@pytest.mark.integration
def test_publisher_logs_an_error_at_the_retry_limit_and_keeps_going(
    collector: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    """After retry_limit failures an error is logged, but the batch is still retried."""
    server = collector(script=[(502, b"")] * 3, default=(200, b""))
    publisher = publisher_for(server.address, retry_limit=2, stop_event=RecordingEvent())
    assert publisher.publish(b"[" + SPAN_A + b"]", 1) is True
    assert len(server.requests) == 4
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        f"Posting 1 span(s) to http://{server.address}/api/v1/spans has failed 2 times; still "
        "retrying. Meanwhile spans wait in the queue, and applications drop new spans once it "
        "is full."
    ]


@pytest.mark.integration
@pytest.mark.parametrize("status", [408, 429])
def test_publisher_retries_throttling_answers(collector: Callable[..., Any], status: int) -> None:
    """408 and 429 are transient: they are retried, unlike other 4xx answers."""
    server = collector(script=[(status, b"slow down")], default=(202, b""))
    assert publisher_for(server.address).publish(b"[" + SPAN_A + b"]", 1) is True
    assert len(server.requests) == 2


@pytest.mark.integration
def test_publisher_drops_a_batch_the_collector_refuses(
    collector: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    """A 400 can never succeed: the batch is dropped at once and the response body logged."""
    server = collector(default=(400, b"span 2 has no name"))
    assert publisher_for(server.address).publish(b"[" + SPAN_A + b"]", 1) is False
    assert len(server.requests) == 1
    (error,) = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert error == (
        f"Collector http://{server.address}/api/v1/spans refused a batch of 1 span(s) with 400; "
        "dropping it. Response: span 2 has no name"
    )


@pytest.mark.integration
def test_publisher_gives_up_retrying_when_stopping(collector: Callable[..., Any]) -> None:
    """With the stop event set, a failing batch gets one attempt and is abandoned."""
    server = collector(default=(503, b""))
    stop = threading.Event()
    stop.set()
    assert publisher_for(server.address, stop_event=stop).publish(b"[]", 0) is None
    assert len(server.requests) == 1


@pytest.mark.integration
def test_publisher_reports_metrics(collector: Callable[..., Any]) -> None:
    """Attempts are timed as post; failures count error.http; delivered spans count sent."""
    server = collector(script=[(503, b"")], default=(202, b""))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as statsd:
        statsd.bind(("127.0.0.1", 0))
        statsd.settimeout(WATCHDOG)
        metrics = metrics_client_from_config(
            {
                "metrics.namespace": "tp",
                "metrics.endpoint": f"127.0.0.1:{statsd.getsockname()[1]}",
            }
        )
        publisher = publisher_for(server.address, metrics=metrics)
        assert publisher.publish(b"[" + SPAN_A + b"," + SPAN_B + b"]", 2) is True
        # The client may coalesce several metrics into one datagram (its background
        # flusher does): read lines, whatever datagrams they arrive in.
        lines: list[str] = []
        while len(lines) < 4:
            lines += statsd.recv(65535).decode().split("\n")
    assert [line for line in lines if "|c" in line] == ["tp.error.http:1|c", "tp.sent:2|c"]
    timers = [line for line in lines if line.endswith("|ms")]
    assert len(timers) == 2
    assert all(line.startswith("tp.post:") for line in timers)


# --- reading the queue ------------------------------------------------------------------------


class CountingMetrics:
    """Keeps the publisher's counters in a dict (its metrics to statsd are tested above)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def timer(self, name: str) -> contextlib.AbstractContextManager[Any]:
        return contextlib.nullcontext()

    def counter(self, name: str) -> Any:
        counts = self.counts

        class Counter:
            def increment(self, delta: int = 1) -> None:
                counts[name] = counts.get(name, 0) + delta

        return Counter()


def run_publisher_until(
    queue: MessageQueue,
    server: Any,
    requests: int,
    max_size: int = MAX_BATCH_SIZE_DEFAULT,
    **publisher_options: Any,
) -> list[Any]:
    """Publish from ``queue`` to ``server`` (batches of ``max_size`` bytes, due at 0.3 s)
    until the collector got ``requests`` POSTs; then stop and return them."""
    stop = threading.Event()
    publisher = publisher_for(server.address, stop_event=stop, **publisher_options)
    batch = SpanBatch(max_size=max_size, max_age=0.3)
    loop = threading.Thread(target=publish_from_queue, args=(queue, publisher, batch, stop))
    loop.start()
    try:
        received: list[Any] = server.wait_for_requests(requests)
    finally:
        stop.set()
        loop.join(WATCHDOG)
    assert not loop.is_alive()
    return received


def queue_holding(trace_queue: Callable[..., MessageQueue], *messages: bytes) -> MessageQueue:
    """A new trace queue with ``messages`` on it, in this order."""
    queue = trace_queue()
    for message in messages:
        queue.put(message)
    return queue


@pytest.mark.integration
def test_spans_flow_from_the_queue_to_the_collector(
    collector: Callable[..., Any],
    trace_queue: Callable[..., MessageQueue],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Spans put on the queue by apps arrive at the collector as one JSON array, in order.

    A message that is not a JSON object is dropped with a warning.
    """
    server = collector()
    queue = queue_holding(trace_queue, SPAN_A, b"not json", SPAN_B)
    (received,) = run_publisher_until(queue, server, 1)
    assert received.body == (
        b'[{"traceId":1,"name":"a","id":1,"parentId":0},{"traceId":1,"name":"b","id":2,"parentId":1}]'
    )
    assert any("not a JSON object" in r.getMessage() for r in caplog.records if r.name == LOGGER)


@pytest.mark.integration
def test_a_bad_message_that_looks_like_json_costs_only_itself(
    collector: Callable[..., Any],
    trace_queue: Callable[..., MessageQueue],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Messages are only parsed once the collector refuses their batch: then the ones that
    are not JSON objects are dropped and the rest posted again."""
    server = collector(script=[(400, b"malformed JSON")], default=(202, b""))
    queue = queue_holding(trace_queue, SPAN_A, b"{not json}", SPAN_B)
    metrics = CountingMetrics()
    received = run_publisher_until(queue, server, 2, metrics=metrics)
    assert received[0].body == b"[" + SPAN_A + b",{not json}," + SPAN_B + b"]"
    assert received[1].body == b"[" + SPAN_A + b"," + SPAN_B + b"]"
    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert any("not a JSON object: b'{not json}'" in m for m in messages)
    assert any("Posting the other 2 span(s) of the refused batch again" in m for m in messages)
    # As documented: the refused batch counts in dropped, the two re-posted spans in sent.
    assert metrics.counts == {"error.http": 1, "dropped": 3, "error.invalid": 1, "sent": 2}


@pytest.mark.integration
def test_a_refused_batch_of_valid_spans_is_not_posted_again(
    collector: Callable[..., Any], trace_queue: Callable[..., MessageQueue]
) -> None:
    """Refused for another reason than a bad message: the refusal stands (logged, counted)."""
    server = collector(script=[(400, b"no")], default=(202, b""))
    queue = queue_holding(trace_queue, SPAN_A, SPAN_B)
    run_publisher_until(queue, server, 1)
    # The loop has ended: a second POST of the batch would have been made by now.
    assert [r.body for r in server.requests] == [b"[" + SPAN_A + b"," + SPAN_B + b"]"]


@pytest.mark.integration
def test_a_full_batch_is_posted_before_the_next_span(
    collector: Callable[..., Any], trace_queue: Callable[..., MessageQueue]
) -> None:
    """When the next span does not fit, the batch is posted and a new one started with it."""
    server = collector()
    queue = queue_holding(trace_queue, SPAN_A, SPAN_B, SPAN_A)
    received = run_publisher_until(queue, server, 2, max_size=2 + len(SPAN_A) + 1 + len(SPAN_B))
    assert [r.body for r in received] == [
        b"[" + SPAN_A + b"," + SPAN_B + b"]",
        b"[" + SPAN_A + b"]",
    ]


class ScriptedStop(RecordingEvent):
    """A stop event that logs each pause (wait) in ``log`` and never really sleeps."""

    def __init__(self, log: list[tuple[str, float | None]]) -> None:
        super().__init__()
        self.log = log

    def wait(self, timeout: float | None = None) -> bool:
        self.log.append(("pause", timeout))
        return super().wait(timeout)


class ScriptedQueue:
    """Stands in for the queue: hands out ``messages``, logging each read and its timeout,
    and sets ``stop`` on the ``reads``-th read."""

    def __init__(self, messages: list[bytes], stop: ScriptedStop, reads: int) -> None:
        self.messages = messages
        self.stop = stop
        self._reads_left = reads

    def get(self, timeout: float | None = None) -> bytes:
        self._reads_left -= 1
        if self._reads_left == 0:
            self.stop.set()
        if self.messages:
            self.stop.log.append(("read", timeout))
            return self.messages.pop(0)
        self.stop.log.append(("empty", timeout))
        raise TimedOutError("empty")


@pytest.mark.integration
def test_the_publisher_drains_the_queue_then_pauses_before_waiting_again(
    collector: Callable[..., Any],
) -> None:
    """Reads do not wait while spans are queued; once the queue is empty the publisher pauses
    DRAIN_PAUSE before a read that waits, so a busy application's spans gather between reads
    instead of each waking the publisher."""
    server = collector()
    log: list[tuple[str, float | None]] = []
    stop = ScriptedStop(log)
    queue = ScriptedQueue([SPAN_A, SPAN_B], stop, reads=4)
    publisher = publisher_for(server.address, stop_event=stop)
    batch = SpanBatch(max_size=1000, max_age=60.0)

    publish_from_queue(queue, publisher, batch, stop)  # type: ignore[arg-type]

    assert DRAIN_PAUSE > 0
    assert log == [
        ("read", 0.0),
        ("read", 0.0),
        ("empty", 0.0),
        ("pause", DRAIN_PAUSE),
        ("empty", QUEUE_READ_TIMEOUT),
    ]
    assert [r.body for r in server.requests] == [b"[" + SPAN_A + b"," + SPAN_B + b"]"]


def publish_until_queue_read(queue: MessageQueue, address: str) -> None:
    """Run publish_from_queue with a batch that never ages, stopping once the queue is read."""
    stop = threading.Event()
    publisher = publisher_for(address, stop_event=stop)
    batch = SpanBatch(max_size=1000, max_age=60.0)

    def stop_once_read() -> None:
        while queue.current_messages and not stop.wait(0.01):
            pass
        stop.set()

    stopper = threading.Thread(target=stop_once_read)
    stopper.start()
    publish_from_queue(queue, publisher, batch, stop)
    stopper.join(WATCHDOG)


@pytest.mark.integration
def test_remaining_spans_get_a_last_attempt_on_stop(
    collector: Callable[..., Any], trace_queue: Callable[..., MessageQueue]
) -> None:
    """Stopping posts the spans already gathered, without waiting for the batch's age."""
    server = collector()
    queue = queue_holding(trace_queue, SPAN_A)
    publish_until_queue_read(queue, server.address)
    assert [r.body for r in server.requests] == [b"[" + SPAN_A + b"]"]


@pytest.mark.integration
def test_spans_not_delivered_when_stopping_go_back_on_the_queue(
    collector: Callable[..., Any],
    trace_queue: Callable[..., MessageQueue],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Stopping while the collector fails loses nothing: the queue keeps the spans."""
    server = collector(default=(503, b""))
    queue = queue_holding(trace_queue, SPAN_A, SPAN_B)
    publish_until_queue_read(queue, server.address)
    assert len(server.requests) == 1  # the last attempt, refused with 503
    assert [queue.get(timeout=0), queue.get(timeout=0)] == [SPAN_A, SPAN_B]
    assert "2 undelivered span(s) put back on the queue for the next publisher, 0 lost" in (
        caplog.text
    )


# --- configuration and the command line ----------------------------------------------------------


def test_publisher_config_defaults() -> None:
    """Only zipkin_api_url is required: 3 s timeout, 500 KiB batches, retry limit 10."""
    cfg = parse_publisher_config({"zipkin_api_url": "http://zipkin:9411/api/v1"})
    assert (cfg.zipkin_api_url, cfg.post_timeout, cfg.max_batch_size, cfg.retry_limit) == (
        "http://zipkin:9411/api/v1",
        3.0,
        512000,
        10,
    )


@pytest.mark.parametrize(("text", "seconds"), [("5 seconds", 5.0), ("2.5", 2.5)])
def test_post_timeout_accepts_timespans_and_seconds(text: str, seconds: float) -> None:
    """post_timeout is a Timespan or a number of seconds."""
    cfg = parse_publisher_config({"zipkin_api_url": "https://z/api/v1", "post_timeout": text})
    assert cfg.post_timeout == seconds


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({}, "zipkin_api_url"),
        ({"zipkin_api_url": "zipkin:9411"}, "zipkin_api_url"),
        ({"zipkin_api_url": "/var/run/zipkin"}, "zipkin_api_url"),
        ({"zipkin_api_url": "http://z", "max_batch_size": "1000"}, "max_batch_size"),
        ({"zipkin_api_url": "http://z", "post_timeout": "0"}, "post_timeout"),
        ({"zipkin_api_url": "http://z", "retry_limit": "0"}, "retry_limit"),
    ],
)
def test_bad_publisher_config_names_the_key(raw: dict[str, str], key: str) -> None:
    """A missing or bad value is a ConfigurationError naming its key."""
    with pytest.raises(ConfigurationError, match=f"^{key}: "):
        parse_publisher_config(raw)


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.ini"
    path.write_text(text)
    return path


def _console_script(name: str) -> list[str]:
    """The command line of an installed console script (next to this interpreter)."""
    path = Path(sysconfig.get_path("scripts")) / name
    assert path.exists(), f"{name} is not installed in {path.parent}"
    return [str(path)]


@pytest.mark.integration
@pytest.mark.parametrize(
    "command",
    [
        pytest.param(
            [sys.executable, "-m", "baseplate.diagnostics.tracing.publisher"], id="python -m"
        ),
        pytest.param("baseplate-trace-publisher", id="console script"),
    ],
)
def test_sidecar_command_publishes_and_stops_on_sigterm(
    collector: Callable[..., Any],
    trace_queue: Callable[..., MessageQueue],
    tmp_path: Path,
    command: list[str] | str,
) -> None:
    """The sidecar reads /traces-<queue>, posts to <zipkin_api_url>/spans, exits 0 on SIGTERM."""
    if isinstance(command, str):
        command = _console_script(command)
    server = collector()
    queue = trace_queue()
    queue_name = queue.name.removeprefix("/traces-")
    config_path = write_config(
        tmp_path,
        f"[trace-publisher:{queue_name}]\nzipkin_api_url = http://{server.address}/api/v1/\n",
    )
    recorder = SidecarRecorder(queue_name)
    recorder.send(ZipkinSpan(5, "from-app", 6, 0, 100, 2, (), [], ZipkinEndpoint("app", "::")))
    sidecar = subprocess.Popen(
        [*command, str(config_path), "--queue-name", queue_name],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        (received,) = server.wait_for_requests(1)
    finally:
        sidecar.send_signal(signal.SIGTERM)
        try:
            _, stderr = sidecar.communicate(timeout=WATCHDOG)
        except subprocess.TimeoutExpired:
            sidecar.kill()
            raise
    assert sidecar.returncode == 0, stderr
    assert received.path == "/api/v1/spans"
    assert received.body == (
        b'[{"traceId":5,"name":"from-app","id":6,"timestamp":100,"duration":2,'
        b'"annotations":[],"binaryAnnotations":[],"parentId":0}]'
    )
    assert received.headers["user-agent"] == "baseplate-trace-publisher/0.1.0"
    assert received.headers["content-type"] == "application/json"


@pytest.mark.integration
@pytest.mark.parametrize(
    ("config_text", "expected"),
    [
        ("[app:main]\n", b"no [trace-publisher:main] section in"),
        ("[trace-publisher:main]\nzipkin_api_url = zipkin:9411\n", b"zipkin_api_url: expected"),
    ],
)
def test_sidecar_command_explains_bad_configuration(
    tmp_path: Path, config_text: str, expected: bytes
) -> None:
    """A missing section or a bad value stops the sidecar at startup with status 1."""
    config_path = write_config(tmp_path, config_text)
    result = subprocess.run(
        [sys.executable, "-m", "baseplate.diagnostics.tracing.publisher", str(config_path)],
        capture_output=True,
        timeout=WATCHDOG,
        check=False,
    )
    assert result.returncode == 1
    assert expected in result.stderr


# --- the publisher extra --------------------------------------------------------------------


def test_importing_the_sidecar_imports_neither_metrics_nor_requests() -> None:
    """baseplate-metrics (the publisher extra) is imported only for metrics.* keys; requests
    is not used at all."""
    code = (
        "import sys, baseplate.diagnostics.tracing, baseplate.diagnostics.tracing.publisher\n"
        "print(sorted({'baseplate.metrics', 'requests'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=WATCHDOG, check=True
    )
    assert result.stdout == "[]\n"


def test_no_metrics_keys_need_no_baseplate_metrics(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without metrics.* keys the sidecar runs without baseplate-metrics installed."""
    monkeypatch.setitem(sys.modules, "baseplate.metrics", None)  # as if not installed
    assert publisher._metrics_client({"zipkin_api_url": "http://z/api/v1"}, {}) is None


@pytest.mark.parametrize("app_section", [False, True], ids=["publisher section", "app section"])
def test_metrics_keys_without_baseplate_metrics_say_what_to_install(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    app_section: bool,
) -> None:
    """metrics.* keys (in either section) with baseplate-metrics missing stop the sidecar at
    startup with status 1 and the pip line of the publisher extra."""
    monkeypatch.setitem(sys.modules, "baseplate.metrics", None)  # as if not installed
    metrics = "metrics.namespace = tp\nmetrics.endpoint = 127.0.0.1:8125\n"
    text = "[trace-publisher:main]\nzipkin_api_url = http://z/api/v1\n"
    text += f"[app:main]\n{metrics}" if app_section else metrics
    assert publisher.main([str(write_config(tmp_path, text))]) == 1
    (error,) = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert error == (
        "Cannot start the trace publisher: The trace publisher's metrics (its metrics.* keys) "
        "needs the baseplate-tracing[publisher] distribution, which is not installed: "
        "pip install baseplate-tracing[publisher]"
    )
