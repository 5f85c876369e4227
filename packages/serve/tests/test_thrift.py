"""Tests for the gevent Thrift server (baseplate.server.thrift), over real sockets."""

from __future__ import annotations

import socket
import threading
import time

import gevent
import gevent.socket
import pytest
from thrift.protocol.TBinaryProtocol import TBinaryProtocol
from thrift.protocol.THeaderProtocol import THeaderProtocolFactory
from thrift.transport.TSocket import TSocket
from thrift.transport.TTransport import TBufferedTransport, TFramedTransport

from baseplate.config import ConfigurationError
from baseplate.server import thrift as thrift_server
from baseplate.thrift import BaseplateServiceV2
from baseplate.thrift.ttypes import IsHealthyProbe, IsHealthyRequest


class Handler:
    """is_healthy: READINESS answers at once, STARTUP after 1 s, LIVENESS reports whether
    the server-side socket of the call has TCP_NODELAY set."""

    def __init__(self) -> None:
        self.server: RecordingServer | None = None

    def is_healthy(self, request: IsHealthyRequest) -> bool:
        if request.probe == IsHealthyProbe.STARTUP:
            gevent.sleep(1)
        if request.probe == IsHealthyProbe.LIVENESS:
            assert self.server is not None
            sock = self.server.sockets[-1]
            return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        return True


class RecordingServer(thrift_server.BaseplateThriftServer):
    """Remembers the sockets of the connections it handles."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sockets: list[socket.socket] = []

    def handle(self, sock, address) -> None:
        self.sockets.append(sock)
        super().handle(sock, address)


def make(listener, **kwargs) -> RecordingServer:
    handler = Handler()
    server = RecordingServer(listener, BaseplateServiceV2.Processor(handler), **kwargs)
    handler.server = server
    return server


def client(port: int, kind: str = "header") -> tuple[BaseplateServiceV2.Client, TSocket]:
    sock = TSocket("127.0.0.1", port)
    sock.setTimeout(10_000)
    if kind == "header":
        protocol = THeaderProtocolFactory().getProtocol(sock)
    elif kind == "framed":
        protocol = TBinaryProtocol(TFramedTransport(sock))
    else:
        protocol = TBinaryProtocol(TBufferedTransport(sock))
    sock.open()
    return BaseplateServiceV2.Client(protocol), sock


@pytest.mark.parametrize("kind", ["header", "framed", "unframed"])
def test_serves_header_framed_and_unframed_clients(thread_server, kind):
    """THeader, framed binary and unframed binary clients all get answers, repeatedly."""
    with thread_server(make) as (_, port, stop):
        service, sock = client(port, kind)
        answers = [service.is_healthy(IsHealthyRequest(IsHealthyProbe.READINESS)) for _ in range(3)]
        sock.close()
        stop()
    assert answers == [True, True, True]


def test_accepted_sockets_have_tcp_nodelay(thread_server):
    """TCP_NODELAY is set on every accepted connection."""
    with thread_server(make) as (_, port, stop):
        service, sock = client(port)
        assert service.is_healthy(IsHealthyRequest(IsHealthyProbe.LIVENESS))
        sock.close()
        stop()


def test_stop_closes_idle_connections_and_finishes_calls_in_flight(thread_server):
    """On stop an idle connection is closed at once and a call in flight is answered."""
    with thread_server(lambda listener: make(listener, stop_timeout=10)) as (server, port, stop):
        idle_service, idle_sock = client(port)
        idle_service.is_healthy(IsHealthyRequest(IsHealthyProbe.READINESS))
        busy_service, busy_sock = client(port)
        busy_service.send_is_healthy(IsHealthyRequest(IsHealthyProbe.STARTUP))
        deadline = time.monotonic() + 10
        while server.active_requests < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.active_requests == 1
        stopper = threading.Thread(target=stop)
        stopper.start()
        assert idle_sock.handle.recv(1) == b""
        in_flight_when_idle_closed = server.active_requests
        answer = busy_service.recv_is_healthy()
        assert busy_sock.handle.recv(1) == b""
        stopper.join(10)
        idle_sock.close()
        busy_sock.close()
    assert answer is True
    assert in_flight_when_idle_closed == 1  # closed without waiting for the slow call
    assert server.active_requests == 0


def test_server_settings_from_config():
    """max_concurrency sizes the connection pool; stop_timeout takes a span or seconds."""
    with socket.socket() as listener:
        server = thrift_server.make_server(
            {"max_concurrency": "5", "stop_timeout": "1 minute"}, listener, object()
        )
        assert (server.pool.size, server.stop_timeout) == (5, 60.0)
        server = thrift_server.make_server({}, listener, object())
        assert (server.pool.size, server.stop_timeout) == (None, 0.0)


def test_bad_configuration_names_the_key():
    """Bad server settings are ConfigurationErrors naming the key."""
    with socket.socket() as listener, pytest.raises(ConfigurationError, match=r"^stop_timeout: "):
        thrift_server.make_server({"stop_timeout": "-3"}, listener, object())


class CountingSocket:
    """Wraps a gevent socket and counts the send calls the transport makes."""

    def __init__(self, sock) -> None:
        self.sock = sock
        self.calls: list[str] = []

    def send(self, data) -> int:
        self.calls.append("send")
        return self.sock.send(data)

    def sendall(self, data) -> None:
        self.calls.append("sendall")
        self.sock.sendall(data)


def test_a_small_response_is_one_send_call():
    """A response that fits the socket buffer goes out in one send: no sendall, whose gevent
    implementation asks the kernel for the buffer size first (a second system call)."""
    ours, theirs = gevent.socket.socketpair()
    counting = CountingSocket(ours)
    transport = thrift_server._ConnectionTransport(counting)
    transport.write(b"head")
    transport.write(b"body")
    transport.flush()
    assert theirs.recv(100) == b"headbody"
    assert counting.calls == ["send"]
    ours.close()
    theirs.close()


def test_a_response_larger_than_the_socket_buffer_arrives_whole():
    """What one send leaves over is sent with sendall, in order, while the peer reads."""
    ours, theirs = gevent.socket.socketpair()
    payload = bytes(range(256)) * (32 * 1024)  # 8 MiB: far more than one send takes
    received = bytearray()

    def read_all() -> None:
        while len(received) < len(payload):
            chunk = theirs.recv(1 << 20)
            if not chunk:
                return
            received.extend(chunk)

    reader = gevent.spawn(read_all)
    counting = CountingSocket(ours)
    transport = thrift_server._ConnectionTransport(counting)
    transport.write(payload)
    transport.flush()
    reader.join(timeout=30)
    assert bytes(received) == payload
    assert counting.calls == ["send", "sendall"]
    ours.close()
    theirs.close()


def test_while_draining_a_connection_closes_after_the_call_it_answers(thread_server):
    """After start_draining() a call on a kept-alive connection is answered and the
    connection then closed, while new connections are still accepted and answered."""
    with thread_server(make) as (server, port, stop):
        service, sock = client(port)
        assert service.is_healthy(IsHealthyRequest(IsHealthyProbe.READINESS))
        server.start_draining()
        answer = service.is_healthy(IsHealthyRequest(IsHealthyProbe.READINESS))
        closed = sock.handle.recv(1)
        fresh_service, fresh_sock = client(port)
        fresh_answer = fresh_service.is_healthy(IsHealthyRequest(IsHealthyProbe.READINESS))
        fresh_closed = fresh_sock.handle.recv(1)
        sock.close()
        fresh_sock.close()
        stop()
    assert (answer, closed) == (True, b"")
    assert (fresh_answer, fresh_closed) == (True, b"")
