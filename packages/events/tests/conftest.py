"""Fixtures for the events tests: POSIX event queues with small limits, a real collector."""

from __future__ import annotations

import contextlib
import gzip
import http.server
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from baseplate_testing import QueueFactory, free_port


@pytest.fixture
def event_queues() -> Iterator[QueueFactory]:
    """Create ``/events-<unique>`` queues (4 messages of 1024 bytes unless told otherwise).

    The production limits (10000 x 102400 bytes) exceed the default sysctls, so tests
    create the queue first: an EventQueue opening an existing queue keeps its limits. Each is
    unlinked at the end.
    """
    queues = QueueFactory("/events-bp-test-", max_messages=4, max_message_size=1024)
    yield queues
    queues.close()


class Collector:
    """A real event collector on 127.0.0.1 that can go away and come back on its port.

    Every POST is recorded (path, headers, the body gunzipped) and answered with the next
    scripted ``(status, body)``, or ``default`` once the script is used up. Only 2xx POSTs
    whose answer has been sent count in :attr:`accepted`. :meth:`stop` closes the listener
    and every open connection, as a collector that dies would; :meth:`start` serves again
    on the same port.
    """

    def __init__(self, script: list[tuple[int, bytes]], default: tuple[int, bytes]) -> None:
        self.script = list(script)
        self.default = default
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.accepted: list[bytes] = []
        self._changed = threading.Condition()
        self._server: _Server | None = None
        self.port = free_port()
        self.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _handle(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        raw = handler.rfile.read(int(handler.headers.get("Content-Length", "0")))
        headers = {key.lower(): value for key, value in handler.headers.items()}
        body = gzip.decompress(raw) if headers.get("content-encoding") == "gzip" else raw
        with self._changed:
            self.requests.append((handler.path, headers, body))
            status, payload = self.script.pop(0) if self.script else self.default
            self._changed.notify_all()
        handler.send_response(status)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)
        # Counted once answered: a test that stops the collector after a delivery then
        # never cuts off an answer (which the publisher would rightly post again).
        with self._changed:
            if 200 <= status < 300:
                self.accepted.append(body)
            self._changed.notify_all()

    def start(self) -> None:
        collector = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real collectors do

            def do_POST(self) -> None:
                collector._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _Server(("127.0.0.1", self.port), Handler)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.close_all()
            self._server = None

    def wait_for(self, predicate: Callable[[Collector], bool], timeout: float = 20.0) -> None:
        """Wait until ``predicate(self)`` holds (checked after each request)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"collector: condition not met in {timeout} s; "
                        f"{len(self.requests)} request(s), {len(self.accepted)} accepted"
                    )
                self._changed.wait(remaining)


class _Server(http.server.ThreadingHTTPServer):
    """A threading HTTP server that can close the connections it has open."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *args: Any) -> None:
        self.connections: set[socket.socket] = set()
        super().__init__(*args)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        self.connections.discard(request)
        super().shutdown_request(request)

    def close_all(self) -> None:
        self.server_close()
        for connection in list(self.connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def collector() -> Iterator[Callable[..., Collector]]:
    """Start real collectors: ``collector(script=[(503, b"")], default=(200, b""))``."""
    started: list[Collector] = []

    def start(
        script: list[tuple[int, bytes]] | None = None, default: tuple[int, bytes] = (200, b"")
    ) -> Collector:
        server = Collector(script or [], default)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
