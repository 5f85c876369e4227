"""Tests of RemoteRecorder against a real HTTP collector and dead endpoints."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from baseplate.config import EndpointConfiguration, InternetAddress
from baseplate.core import Baseplate, RequestContext
from baseplate.diagnostics.tracing import (
    RemoteRecorder,
    TracingClient,
    ZipkinEndpoint,
    ZipkinSpan,
)

Watchdog = Callable[[Callable[[], Any]], Any]
WATCHDOG = 20.0
LOGGER = "baseplate.diagnostics.tracing"


ENDPOINT = ZipkinEndpoint("svc", "10.0.0.1")


def span(number: int) -> ZipkinSpan:
    return ZipkinSpan(7, f"span-{number}", number, 0, 1000, 10, (), [], ENDPOINT)


def deliver(recorder: RemoteRecorder, spans: list[ZipkinSpan]) -> None:
    """Send ``spans`` (made beforehand, so they queue at once), flush, and shut down."""
    try:
        for one in spans:
            recorder.send(one)
        assert recorder.flush(WATCHDOG) is True
    finally:
        recorder.shutdown(WATCHDOG)


def recorder_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("baseplate-trace-recorder-")]


def request_through(recorder: RemoteRecorder) -> None:
    baseplate = Baseplate()
    baseplate.configure_tracing(TracingClient("svc", 1.0, recorder))
    server = baseplate.make_server_span(RequestContext(), "handler")
    with server, server.make_child("call"):
        pass


@pytest.mark.integration
def test_spans_are_posted_as_a_json_array(collector: Callable[..., Any]) -> None:
    """Spans are POSTed as one JSON array to /api/v1/spans with Content-Type application/json."""
    server = collector()
    recorder = RemoteRecorder(server.address, num_workers=1, batch_interval=0.05)
    deliver(recorder, [span(1), span(2)])
    (received,) = server.requests
    assert (received.method, received.path) == ("POST", "/api/v1/spans")
    assert received.headers["content-type"] == "application/json"
    assert received.body == (
        b'[{"traceId":7,"name":"span-1","id":1,"timestamp":1000,"duration":10,'
        b'"annotations":[],"binaryAnnotations":[],"parentId":0},'
        b'{"traceId":7,"name":"span-2","id":2,"timestamp":1000,"duration":10,'
        b'"annotations":[],"binaryAnnotations":[],"parentId":0}]'
    )
    assert recorder.sent == 2


@pytest.mark.integration
def test_a_traced_request_reaches_the_collector(collector: Callable[..., Any]) -> None:
    """A request's server and child spans reach the collector through the worker."""
    server = collector()
    recorder = RemoteRecorder(server.address, num_workers=2, batch_interval=0.05)
    try:
        request_through(recorder)
        assert recorder.flush(WATCHDOG) is True
    finally:
        recorder.shutdown(WATCHDOG)
    names = sorted(s["name"] for r in server.requests for s in json.loads(r.body))
    assert names == ["call", "handler"]


@pytest.mark.integration
def test_batches_hold_at_most_500_spans(collector: Callable[..., Any]) -> None:
    """Each POST carries at most 500 spans; together they carry every span once."""
    server = collector()
    recorder = RemoteRecorder(server.address, num_workers=2, batch_interval=0.05)
    deliver(recorder, [span(number) for number in range(1_200)])
    batches = [json.loads(r.body) for r in server.requests]
    assert max(len(batch) for batch in batches) <= 500
    assert sorted(s["id"] for batch in batches for s in batch) == list(range(1_200))
    assert recorder.sent == 1_200


def big_span(number: int) -> ZipkinSpan:
    """A span with 64 tags of 1,000 characters: about 68 KB of JSON."""
    tags: list[tuple[str, bool | str]] = [(f"tag{i}", "x" * 1_000) for i in range(64)]
    return ZipkinSpan(7, f"big-{number}", number, 0, 1000, 10, (), tags, ENDPOINT)


@pytest.mark.integration
def test_a_batch_of_large_spans_is_split_into_posts_of_at_most_500_kib(
    collector: Callable[..., Any],
) -> None:
    """One batch of 30 large spans (2 MB) goes out in POSTs of at most 500 KiB, all arriving."""
    server = collector()
    recorder = RemoteRecorder(server.address, num_workers=1, batch_interval=0.05)
    deliver(recorder, [big_span(number) for number in range(30)])
    sizes = [len(r.body) for r in server.requests]
    assert len(sizes) >= 4
    assert max(sizes) <= 500 * 1024
    assert sorted(s["id"] for r in server.requests for s in json.loads(r.body)) == list(range(30))
    assert recorder.sent == 30


@pytest.mark.integration
@pytest.mark.parametrize(
    ("make_span", "count", "answer"),
    [
        pytest.param(span, 1, b"collector exploded", id="one POST"),
        pytest.param(big_span, 30, b"down", id="a batch of several POSTs"),
    ],
)
def test_a_failed_post_loses_its_spans_and_the_rest_of_its_batch(
    collector: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
    make_span: Callable[[int], ZipkinSpan],
    count: int,
    answer: bytes,
) -> None:
    """A non-2xx answer loses the batch (no retries here) and logs the status and body; once
    the collector fails, the batch's later POSTs are not tried; all its spans are counted."""
    server = collector(default=(500, answer))
    recorder = RemoteRecorder(server.address, num_workers=1, batch_interval=0.05)
    deliver(recorder, [make_span(number) for number in range(count)])
    assert (recorder.failed, recorder.sent, len(server.requests)) == (count, 0, 1)
    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert any(f"answered 500 to {count} span(s): {answer.decode()}" in m for m in messages)


class Unencodable(ZipkinSpan):
    def to_json(self) -> bytes:
        raise ValueError("cannot encode this one")


@pytest.mark.integration
def test_a_span_that_cannot_be_encoded_costs_only_itself(
    collector: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    """It is counted and warned about; the worker lives on and posts the others."""
    server = collector()
    recorder = RemoteRecorder(server.address, num_workers=1, batch_interval=0.05)
    bad = Unencodable(7, "bad", 99, 0, 1000, 10, (), [], ENDPOINT)
    try:
        for one in (span(1), bad, span(2)):
            recorder.send(one)
        assert recorder.flush(WATCHDOG) is True
        recorder.send(span(3))  # the same worker is still there to post this
        assert recorder.flush(WATCHDOG) is True
    finally:
        recorder.shutdown(WATCHDOG)
    assert sorted(s["id"] for r in server.requests for s in json.loads(r.body)) == [1, 2, 3]
    assert (recorder.sent, recorder.failed) == (3, 1)
    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert any("Could not encode span" in m and "cannot encode this one" in m for m in messages)


@pytest.mark.integration
def test_spans_sent_from_many_threads_all_arrive_without_a_flush(
    collector: Callable[..., Any],
) -> None:
    """Spans queued from several threads at once all reach the collector on their own.

    Sending takes no lock, so concurrent senders can miss a worker's wake-up (rarely: it
    needs a thread switch at the wrong moment); the workers look at the queue again every
    batch_interval, and nothing may be left behind without a flush.
    """
    server = collector()
    recorder = RemoteRecorder(server.address, num_workers=2, batch_interval=0.05)
    start = threading.Barrier(8)

    def send_many(thread: int) -> None:
        start.wait()
        for number in range(250):
            recorder.send(span(thread * 1000 + number))

    try:
        threads = [threading.Thread(target=send_many, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WATCHDOG)
        deadline = time.monotonic() + WATCHDOG
        while recorder.sent < 2000 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert recorder.sent == 2000
    finally:
        recorder.shutdown(WATCHDOG)
    ids = sorted(s["id"] for r in server.requests for s in json.loads(r.body))
    assert ids == sorted(t * 1000 + n for t in range(8) for n in range(250))


def test_workers_start_lazily() -> None:
    """Making a recorder starts no thread; the first span starts num_workers of them."""
    before = set(recorder_threads())
    recorder = RemoteRecorder("127.0.0.1:9", num_workers=3, post_timeout=0.2)
    assert set(recorder_threads()) == before
    try:
        recorder.send(span(1))
        assert len(set(recorder_threads()) - before) == 3
    finally:
        recorder.shutdown(WATCHDOG)


@pytest.mark.integration
def test_refused_endpoint_does_not_affect_requests(
    refused_address: str, watchdog: Watchdog, caplog: pytest.LogCaptureFixture
) -> None:
    """With nothing listening, requests finish normally; the spans are counted as failed."""
    recorder = RemoteRecorder(refused_address, num_workers=1, batch_interval=0.01)
    try:
        watchdog(lambda: request_through(recorder))
        assert recorder.flush(WATCHDOG) is True
    finally:
        recorder.shutdown(WATCHDOG)
    assert (recorder.failed, recorder.sent, recorder.dropped) == (2, 0, 0)
    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    assert any(
        m.startswith(f"Could not send 2 span(s) to http://{refused_address}") for m in messages
    )


@pytest.mark.integration
def test_blackholed_endpoint_does_not_block_requests(
    blackhole_address: str, watchdog: Watchdog, caplog: pytest.LogCaptureFixture
) -> None:
    """A collector that never answers fills the bounded queue; further spans are dropped.

    The request path never waits for the worker stuck in its POST.
    """
    recorder = RemoteRecorder(
        blackhole_address,
        num_workers=1,
        max_queue_size=3,
        batch_interval=0.01,
        post_timeout=1.0,
    )
    try:
        recorder.send(span(0))
        deadline = time.monotonic() + WATCHDOG
        while recorder.queued and time.monotonic() < deadline:  # the worker takes span 0
            time.sleep(0.01)
        assert recorder.queued == 0
        for _ in range(3):
            watchdog(lambda: request_through(recorder))  # 6 spans for 3 free places
        assert (recorder.queued, recorder.dropped) == (3, 3)
        assert recorder.flush(0.05) is False
    finally:
        recorder.shutdown(0.05)
    warnings = [
        r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING
    ]
    assert any(w.startswith("Trace span queue is full (3 spans waiting") for w in warnings)


@pytest.mark.integration
def test_shutdown_delivers_queued_spans_then_refuses_more(collector: Callable[..., Any]) -> None:
    """shutdown sends what is queued, stops the workers, and later spans are dropped."""
    server = collector()
    threads_before = set(recorder_threads())
    recorder = RemoteRecorder(server.address, num_workers=2, batch_interval=5.0)
    for number in range(5):
        recorder.send(span(number))
    assert recorder.shutdown(WATCHDOG) is True
    assert sorted(s["id"] for r in server.requests for s in json.loads(r.body)) == list(range(5))
    assert set(recorder_threads()) <= threads_before
    recorder.send(span(99))
    assert recorder.dropped == 1


@pytest.mark.integration
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_child_starts_its_own_workers(collector: Callable[..., Any]) -> None:
    """A child forked after the workers started gets fresh workers and an empty queue."""
    server = collector()
    recorder = RemoteRecorder(server.address, num_workers=1, batch_interval=0.01)
    try:
        recorder.send(span(1))
        assert recorder.flush(WATCHDOG) is True
        pid = os.fork()
        if pid == 0:  # the child: never return into pytest
            status = 1
            try:
                recorder.send(span(2))
                status = 0 if recorder.flush(WATCHDOG) and recorder.sent == 2 else 2
            finally:
                os._exit(status)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        recorder.shutdown(WATCHDOG)
    assert [json.loads(r.body)[0]["id"] for r in server.requests] == [1, 2]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_workers": 0}, "num_workers must be a positive int, got 0"),
        ({"max_queue_size": -5}, "max_queue_size must be a positive int, got -5"),
        ({"batch_interval": 0}, "batch_interval must be a positive number, got 0"),
        ({"post_timeout": "1"}, "post_timeout must be a positive number, got '1'"),
    ],
)
def test_bad_arguments_are_rejected(kwargs: dict[str, Any], message: str) -> None:
    """Sizes and intervals must be positive numbers."""
    with pytest.raises(ValueError, match=message):
        RemoteRecorder("localhost:9411", **kwargs)


@pytest.mark.integration
@pytest.mark.parametrize("pair", [InternetAddress, lambda *pair: pair], ids=["named", "tuple"])
def test_an_endpoint_configuration_may_hold_a_plain_pair(
    collector: Callable[..., Any], pair: Callable[[str, int], tuple[str, int]]
) -> None:
    """An EndpointConfiguration's address may be any (host, port) two-tuple, as socket takes."""
    server = collector()
    address = pair("127.0.0.1", server.port)
    endpoint = EndpointConfiguration(socket.AF_INET, address)  # type: ignore[arg-type]
    recorder = RemoteRecorder(endpoint, num_workers=1)
    assert recorder.url == f"http://127.0.0.1:{server.port}/api/v1/spans"
    deliver(recorder, [span(1)])
    assert recorder.sent == 1


@pytest.mark.parametrize(
    "endpoint",
    [
        "localhost",
        "/run/zipkin.sock",
        ":9411",
        EndpointConfiguration(socket.AF_UNIX, "/run/zipkin.sock"),
    ],
)
def test_bad_endpoints_are_rejected(endpoint: str | EndpointConfiguration) -> None:
    """The endpoint must be host:port."""
    with pytest.raises(ValueError, match="must be host:port"):
        RemoteRecorder(endpoint)


@pytest.mark.integration
def test_spans_still_queued_at_exit_are_posted(collector: Callable[..., Any]) -> None:
    """A process that exits normally posts the spans its recorder still holds."""
    import subprocess
    import sys
    import textwrap

    server = collector()
    script = textwrap.dedent(
        f"""
        from baseplate.core import Baseplate, RequestContext
        from baseplate.diagnostics.tracing import make_client

        # A long batch interval: nothing would be posted before the process exits.
        client = make_client(
            "exiting", tracing_endpoint={server.address!r}, span_batch_interval=60,
            sample_rate=1.0,
        )
        baseplate = Baseplate()
        baseplate.configure_tracing(client)
        with baseplate.make_server_span(RequestContext(), "last_request"):
            pass
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=30)
    requests = server.wait_for_requests(1)
    names = [span["name"] for request in requests for span in json.loads(request.body)]
    assert names == ["last_request"], [(r.path, r.body) for r in requests]
    assert len(requests) == 1, [(r.path, r.body) for r in requests]


@pytest.mark.integration
def test_connection_is_kept_alive_and_replaced_when_the_collector_drops_it() -> None:
    """A worker reuses its connection, and when the collector closed it while idle (without
    saying so), the POST goes out again on a fresh connection: no batch is lost."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(WATCHDOG)
    bodies: list[bytes] = []
    connections = []

    def serve() -> None:
        # Answer one request per connection as HTTP/1.1 keep-alive, then hang up silently.
        for _ in range(2):
            conn, _ = listener.accept()
            connections.append(conn)
            with conn, conn.makefile("rb") as stream:
                length = 0
                while (line := stream.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                bodies.append(stream.read(length))
                conn.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    port = listener.getsockname()[1]
    recorder = RemoteRecorder(f"127.0.0.1:{port}", num_workers=1, batch_interval=0.01)
    try:
        recorder.send(span(1))
        assert recorder.flush(WATCHDOG) is True
        time.sleep(0.1)  # the collector has hung up by now
        recorder.send(span(2))
        assert recorder.flush(WATCHDOG) is True
    finally:
        recorder.shutdown(WATCHDOG)
        server.join(WATCHDOG)
        listener.close()
    assert [b'"span-1"' in bodies[0], b'"span-2"' in bodies[1]] == [True, True]
    assert (recorder.sent, recorder.failed) == (2, 0)
