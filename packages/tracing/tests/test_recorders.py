"""Tests of the local recorders: null, logging, in-memory and the sidecar's POSIX queue."""

from __future__ import annotations

import json
import logging
import sys
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from baseplate.core import Baseplate, RequestContext, TraceInfo, WarningLimiter
from baseplate.diagnostics.tracing import (
    MAX_QUEUE_SIZE,
    MAX_SPAN_SIZE,
    InMemoryRecorder,
    LoggingRecorder,
    NullRecorder,
    SidecarRecorder,
    TracingClient,
    ZipkinEndpoint,
    ZipkinSpan,
)
from baseplate.diagnostics.tracing._recorders import SPANS_DROPPED
from baseplate.message_queue import InvalidParametersError, MessageQueue, TimedOutError

LOGGER = "baseplate.diagnostics.tracing"

SPAN = ZipkinSpan(1, "a", 2, 0, 3, 4, (), [("k", "v")], ZipkinEndpoint("s", "1.2.3.4"))
SPAN_DICT: dict[str, Any] = {
    "traceId": 1,
    "name": "a",
    "id": 2,
    "timestamp": 3,
    "duration": 4,
    "annotations": [],
    "binaryAnnotations": [
        {"key": "k", "value": "v", "endpoint": {"serviceName": "s", "ipv4": "1.2.3.4"}}
    ],
    "parentId": 0,
}
SPAN_BYTES = (
    b'{"traceId":1,"name":"a","id":2,"timestamp":3,"duration":4,"annotations":[],'
    b'"binaryAnnotations":[{"key":"k","value":"v","endpoint":{"serviceName":"s",'
    b'"ipv4":"1.2.3.4"}}],"parentId":0}'
)


def sidecar_for(queue: MessageQueue) -> SidecarRecorder:
    return SidecarRecorder(queue.name.removeprefix("/traces-"))


def traced_request(recorder: Any, name: str = "handler", tag: str | None = None) -> None:
    baseplate = Baseplate()
    baseplate.configure_tracing(TracingClient("svc", 1.0, recorder))
    span = baseplate.make_server_span(
        RequestContext(), name, TraceInfo.from_upstream(1, None, 1, True, None)
    )
    span.start()
    if tag is not None:
        span.set_tag("big", tag)
    span.finish()


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING
    ]


def test_corrected_queue_constants() -> None:
    """The sidecar queue holds 10000 spans of at most 102400 bytes (not the swapped values)."""
    assert (MAX_QUEUE_SIZE, MAX_SPAN_SIZE) == (10000, 102400)


def test_null_recorder_discards() -> None:
    """The null recorder accepts spans and does nothing with them."""
    recorder = NullRecorder()
    recorder.send(SPAN)
    assert recorder.flush(0) is True
    assert recorder.shutdown(0) is True


def test_logging_recorder_logs_span_json_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    """The logging recorder logs each span's JSON at debug level."""
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    LoggingRecorder().send(SPAN)
    (record,) = [r for r in caplog.records if r.name == LOGGER]
    assert record.levelno == logging.DEBUG
    assert record.getMessage().startswith("Span recording: ")
    assert record.getMessage() == "Span recording: " + SPAN_BYTES.decode()


def test_logging_recorder_is_quiet_above_debug(caplog: pytest.LogCaptureFixture) -> None:
    """Nothing is logged (or encoded) when debug logging is off."""
    caplog.set_level(logging.INFO, logger=LOGGER)
    LoggingRecorder().send(SPAN)
    assert [r for r in caplog.records if r.name == LOGGER] == []


def test_in_memory_recorder_keeps_the_wire_encoding() -> None:
    """The in-memory recorder keeps each span as the compact JSON the sidecar would carry."""
    recorder = InMemoryRecorder()
    recorder.send(SPAN)
    assert recorder.serialized == [SPAN_BYTES]
    assert recorder.spans == [SPAN_DICT]
    recorder.clear()
    assert recorder.spans == []


def test_in_memory_recorder_is_bounded() -> None:
    """Beyond max_spans new spans are dropped and counted."""
    recorder = InMemoryRecorder(max_spans=2)
    for _ in range(3):
        recorder.send(SPAN)
    assert (len(recorder.serialized), recorder.dropped) == (2, 1)


def test_sidecar_recorder_puts_compact_json_on_the_queue(
    trace_queue: Callable[..., MessageQueue],
) -> None:
    """Each span becomes one message on /traces-<name>: the span's compact JSON."""
    queue = trace_queue()
    recorder = sidecar_for(queue)
    recorder.send(SPAN)
    assert queue.get(timeout=0) == SPAN_BYTES
    assert recorder.dropped == 0


def test_sidecar_recorder_records_requests(trace_queue: Callable[..., MessageQueue]) -> None:
    """A traced request's span arrives on the queue."""
    queue = trace_queue()
    traced_request(sidecar_for(queue), name="get_thing")
    message = json.loads(queue.get(timeout=0))
    assert (message["name"], message["traceId"], message["parentId"]) == ("get_thing", 1, 0)


def test_sidecar_recorder_sends_an_oversized_span_without_its_tags(
    trace_queue: Callable[..., MessageQueue],
    caplog: pytest.LogCaptureFixture,
    watchdog: Callable[[Callable[[], Any]], Any],
) -> None:
    """A span too large for the queue's messages is sent without its tags, tagged truncated,
    with a warning: its timing and outcome still reach the collector."""
    queue = trace_queue(max_message_size=512)
    recorder = sidecar_for(queue)
    watchdog(lambda: traced_request(recorder, tag="x" * 1000))
    message = json.loads(queue.get(timeout=0))
    assert message["name"] == "handler"
    assert [(a["key"], a["value"]) for a in message["binaryAnnotations"]] == [("truncated", True)]
    assert [a["value"] for a in message["annotations"]] == ["sr", "ss"]
    assert recorder.dropped == 0
    (warning,) = warnings_of(caplog)
    assert "more than the trace queue" in warning
    assert "accepts (512 bytes); sent without its tags" in warning


def test_sidecar_recorder_keeps_the_error_tag_of_an_oversized_span(
    trace_queue: Callable[..., MessageQueue],
    watchdog: Callable[[Callable[[], Any]], Any],
) -> None:
    """Shrinking a span keeps the annotations that say what happened (error here)."""
    queue = trace_queue(max_message_size=512)
    recorder = sidecar_for(queue)
    baseplate = Baseplate()
    baseplate.configure_tracing(TracingClient("svc", 1.0, recorder))
    span = baseplate.make_server_span(
        RequestContext(), "handler", TraceInfo.from_upstream(1, None, 1, True, None)
    )
    span.start()
    span.set_tag("big", "x" * 1000)
    try:
        raise ValueError("boom")
    except ValueError:
        watchdog(lambda: span.finish(sys.exc_info()))
    message = json.loads(queue.get(timeout=0))
    assert [(a["key"], a["value"]) for a in message["binaryAnnotations"]] == [
        ("error", True),
        ("truncated", True),
    ]


def test_sidecar_recorder_drops_a_span_too_large_even_without_tags(
    trace_queue: Callable[..., MessageQueue],
    caplog: pytest.LogCaptureFixture,
    watchdog: Callable[[Callable[[], Any]], Any],
) -> None:
    """A span whose name alone exceeds the message size is dropped with a warning."""
    queue = trace_queue(max_message_size=512)
    recorder = sidecar_for(queue)
    watchdog(lambda: traced_request(recorder, name="n" * 600))
    assert recorder.dropped == 1
    with pytest.raises(TimedOutError):
        queue.get(timeout=0)
    (warning,) = warnings_of(caplog)
    assert "even without its tags" in warning
    assert "accepts (512 bytes); dropped" in warning


def test_sidecar_recorder_drops_spans_when_the_queue_is_full(
    trace_queue: Callable[..., MessageQueue],
    caplog: pytest.LogCaptureFixture,
    watchdog: Callable[[Callable[[], Any]], Any],
) -> None:
    """With the queue full, requests finish normally; their spans are dropped with a warning."""
    queue = trace_queue(max_messages=2)
    recorder = sidecar_for(queue)
    traced_request(recorder)
    traced_request(recorder)
    watchdog(lambda: traced_request(recorder, name="unlucky"))
    assert recorder.dropped == 1
    assert queue.current_messages == 2
    (warning,) = warnings_of(caplog)
    assert f"Trace queue {queue.name} is full" in warning
    assert "Is the trace publisher sidecar healthy?" in warning


def test_drop_warnings_are_rate_limited(
    trace_queue: Callable[..., MessageQueue], caplog: pytest.LogCaptureFixture
) -> None:
    """A burst of drops logs one warning but counts every dropped span."""
    queue = trace_queue(max_messages=1)
    recorder = sidecar_for(queue)
    for _ in range(21):
        recorder.send(SPAN)
    assert recorder.dropped == 20
    assert len(warnings_of(caplog)) == 1


def test_drop_warnings_report_drops_since_the_last_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each warning says how many spans were dropped since the previous warning."""
    counter = WarningLimiter(interval=0.0, counted=SPANS_DROPPED)
    counter.warn(logging.getLogger(LOGGER), "queue %s full", "q", count=3)
    counter.warn(logging.getLogger(LOGGER), "queue %s full", "q")
    assert counter.total == 4
    assert warnings_of(caplog) == [
        "queue q full (3 span(s) dropped since the last warning)",
        "queue q full (1 span(s) dropped since the last warning)",
    ]


def test_sidecar_recorder_after_shutdown_drops_quietly(
    trace_queue: Callable[..., MessageQueue],
) -> None:
    """Spans sent after shutdown are dropped and counted, never raised."""
    queue = trace_queue()
    recorder = sidecar_for(queue)
    assert recorder.shutdown() is True
    recorder.send(SPAN)
    assert recorder.dropped == 1


def test_sidecar_recorder_drops_unencodable_spans(
    trace_queue: Callable[..., MessageQueue],
) -> None:
    """A span that cannot be encoded as JSON is dropped rather than raised."""
    recorder = sidecar_for(trace_queue())
    broken = ZipkinSpan(1, object(), 2, 0, 3, 4, (), [], ZipkinEndpoint("s", "1.2.3.4"))  # type: ignore[arg-type]
    recorder.send(broken)
    assert recorder.dropped == 1


def test_sidecar_recorder_fails_at_startup_when_the_queue_cannot_be_made() -> None:
    """A queue the system refuses is reported when the recorder is made, not per request."""
    with pytest.raises(InvalidParametersError, match=r"fs\.mqueue\.msg_max"):
        SidecarRecorder(f"bp-test-{uuid.uuid4().hex[:12]}", max_messages=10_000_000)
