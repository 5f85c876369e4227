"""Tests for BufferedTransport: sending off the request path, coalesced, nothing lost."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator

import pytest

from baseplate import config
from baseplate.metrics import (
    BufferedTransport,
    DatagramTransport,
    PendingSource,
    make_client,
    metrics_client_from_config,
)

RECEIVE_TIMEOUT = 5.0


@pytest.fixture
def statsd() -> Iterator[socket.socket]:
    """A real UDP socket standing in for statsd."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(RECEIVE_TIMEOUT)
    yield sock
    sock.close()


def _endpoint(sock: socket.socket) -> config.EndpointConfiguration:
    host, port = sock.getsockname()
    return config.Endpoint(f"{host}:{port}")


def test_send_only_queues_until_flushed(statsd: socket.socket) -> None:
    """send() does not touch the socket; flush() sends what was queued, coalesced."""
    transport = BufferedTransport(DatagramTransport(_endpoint(statsd)), flush_interval=3600)
    try:
        transport.send(b"svc.a:1|c")
        transport.send(b"svc.b:2|ms")
        statsd.settimeout(0.2)
        with pytest.raises(TimeoutError):
            statsd.recv(65536)
        statsd.settimeout(RECEIVE_TIMEOUT)
        transport.flush()
        assert statsd.recv(65536) == b"svc.a:1|c\nsvc.b:2|ms"
    finally:
        transport.close()


def test_worker_sends_many_requests_in_one_datagram(statsd: socket.socket) -> None:
    """The background worker coalesces several requests' batches into one datagram."""
    client = make_client("svc", _endpoint(statsd), flush_interval=0.05)
    try:
        for _ in range(3):
            with client.batch() as batch:
                batch.counter("requests").increment()
        assert statsd.recv(65536) == b"svc.requests:1|c\nsvc.requests:1|c\nsvc.requests:1|c"
    finally:
        client.transport.close()  # type: ignore[attr-defined]


def test_coalesced_payload_is_split_at_the_packet_limit(statsd: socket.socket) -> None:
    """Coalesced payloads larger than max_packet_size go out in several whole-line datagrams."""
    transport = BufferedTransport(
        DatagramTransport(_endpoint(statsd), max_packet_size=20), flush_interval=3600
    )
    try:
        for name in ("aaaa", "bbbb", "cccc"):
            transport.send(f"svc.{name}:1|c".encode())
        transport.flush()
        assert [statsd.recv(65536) for _ in range(3)] == [
            b"svc.aaaa:1|c",
            b"svc.bbbb:1|c",
            b"svc.cccc:1|c",
        ]
    finally:
        transport.close()


def test_full_queue_drops_and_warns(
    statsd: socket.socket, caplog: pytest.LogCaptureFixture
) -> None:
    """Past max_pending queued payloads, new ones are dropped, counted and logged."""
    transport = BufferedTransport(
        DatagramTransport(_endpoint(statsd)), flush_interval=3600, max_pending=2
    )
    try:
        with caplog.at_level(logging.WARNING, logger="baseplate.metrics"):
            for index in range(4):
                transport.send(f"svc.m{index}:1|c".encode())
        assert transport.dropped == 2
        assert "Dropped 1 metrics payload(s)" in caplog.text
        transport.flush()
        assert statsd.recv(65536) == b"svc.m0:1|c\nsvc.m1:1|c"
    finally:
        transport.close()


def test_sources_are_drained_at_each_flush(statsd: socket.socket) -> None:
    """What an added PendingSource drains is sent after the queued payloads, coalesced;
    a source with nothing to send adds nothing."""

    class Source:
        def __init__(self, lines: list[bytes]) -> None:
            self.lines = lines

        def drain(self) -> bytes:
            drained, self.lines = b"\n".join(self.lines), []
            return drained

        def clear(self) -> None:  # pragma: no cover - only after a fork
            self.lines = []

    transport = BufferedTransport(DatagramTransport(_endpoint(statsd)), flush_interval=3600)
    try:
        source: PendingSource = Source([b"svc.kept:3|c", b"svc.took:5|ms"])
        transport.add_source(source)
        transport.add_source(Source([]))
        transport.send(b"svc.queued:1|c")
        transport.flush()
        assert statsd.recv(65536) == b"svc.queued:1|c\nsvc.kept:3|c\nsvc.took:5|ms"
        transport.send(b"svc.later:1|c")
        transport.flush()  # the source has nothing left
        assert statsd.recv(65536) == b"svc.later:1|c"
    finally:
        transport.close()


def test_close_sends_what_is_queued(statsd: socket.socket) -> None:
    """Closing stops the worker and sends the queue, so a clean shutdown loses nothing."""
    transport = BufferedTransport(DatagramTransport(_endpoint(statsd)), flush_interval=3600)
    transport.send(b"svc.last:1|c")
    transport.close()
    assert statsd.recv(65536) == b"svc.last:1|c"


def test_child_process_starts_with_an_empty_queue(statsd: socket.socket) -> None:
    """A forked child neither resends the parent's queue nor lacks a worker of its own."""
    transport = BufferedTransport(DatagramTransport(_endpoint(statsd)), flush_interval=0.05)
    try:
        transport.send(b"svc.parent:1|c")
        pid = os.fork()
        if pid == 0:  # the child: send one metric of its own through its own worker
            code = 1
            try:
                transport.send(b"svc.child:1|c")
                transport.flush()
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        transport.flush()
        received = sorted(statsd.recv(65536) for _ in range(2))
        assert received == [b"svc.child:1|c", b"svc.parent:1|c"]
    finally:
        transport.close()


@pytest.mark.parametrize("value", [0, -1, float("nan"), True])
def test_bad_flush_interval_is_rejected(statsd: socket.socket, value: float) -> None:
    """The interval must be a positive number of seconds."""
    with pytest.raises(ValueError, match="flush_interval must be a positive number"):
        BufferedTransport(DatagramTransport(_endpoint(statsd)), flush_interval=value)


def test_from_config_buffers_by_default_and_zero_disables(statsd: socket.socket) -> None:
    """metrics_client_from_config sends in the background unless flush_interval is 0."""
    host, port = statsd.getsockname()
    raw = {"metrics.namespace": "svc", "metrics.endpoint": f"{host}:{port}"}
    buffered = metrics_client_from_config(raw)
    immediate = metrics_client_from_config({**raw, "metrics.flush_interval": "0 seconds"})
    try:
        assert isinstance(buffered.transport, BufferedTransport)
        assert buffered.transport.flush_interval == 0.1
        assert isinstance(immediate.transport, DatagramTransport)
    finally:
        buffered.transport.close()
        immediate.transport.close()  # type: ignore[attr-defined]


def test_many_queued_payloads_wake_the_worker_early(statsd: socket.socket) -> None:
    """A thousand queued payloads are sent without waiting for the (long) interval."""
    transport = BufferedTransport(DatagramTransport(_endpoint(statsd)), flush_interval=3600)
    try:
        for _ in range(1000):
            transport.send(b"svc.busy:1|c")
        lines = 0
        while lines < 1000:
            lines += statsd.recv(65536).count(b"\n") + 1
        assert lines == 1000
    finally:
        transport.close()


def test_metrics_still_queued_at_exit_are_sent(statsd: socket.socket) -> None:
    """A process that exits normally sends what its background flusher still holds."""
    import subprocess
    import sys
    import textwrap

    host, port = statsd.getsockname()
    script = textwrap.dedent(
        f"""
        from baseplate.metrics import metrics_client_from_config

        client = metrics_client_from_config(
            {{"metrics.namespace": "svc", "metrics.endpoint": "{host}:{port}",
              "metrics.flush_interval": "1 hours"}}
        )
        client.counter("goodbye").increment()
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=30)
    assert statsd.recv(65536) == b"svc.goodbye:1|c"
