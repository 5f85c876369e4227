"""Bad input from the network, end to end under a real ``baseplate-serve``: over-long and
malformed Thrift frames, silent and stalled clients, over-long HTTP request lines and
headers. Each closes (or answers) the one connection at fault; the server serves on."""

from __future__ import annotations

import socket
import struct
import textwrap
import time
from pathlib import Path

import pytest
from thrift.protocol.THeaderProtocol import THeaderProtocolFactory
from thrift.transport.TSocket import TSocket

from baseplate.thrift import BaseplateServiceV2
from baseplate.thrift.ttypes import IsHealthyProbe, IsHealthyRequest

pytestmark = pytest.mark.integration

READ_TIMEOUT = 1.0
MAX_FRAME_SIZE = 4096

THRIFT_APP = textwrap.dedent(
    """
    from baseplate.thrift import BaseplateServiceV2


    class Handler:
        def is_healthy(self, request):
            return True


    def make_processor(app_config):
        return BaseplateServiceV2.Processor(Handler())
    """
)

WSGI_APP = textwrap.dedent(
    """
    def make_app(app_config):
        def app(environ, start_response):
            start_response("200 OK", [("Content-Length", "2")])
            return [b"ok"]
        return app
    """
)


def service(directory: Path, module: str, source: str, factory: str, server: str) -> Path:
    (directory / f"{module}.py").write_text(source)
    config = directory / f"{module}.ini"
    config.write_text(
        f"[app:main]\nfactory = {module}:{factory}\n\n"
        f"[server:main]\nfactory = {server}\n"
        f"max_frame_size = {MAX_FRAME_SIZE}\nread_timeout = {READ_TIMEOUT:g} seconds\n"
    )
    return config


@pytest.fixture(scope="module")
def thrift_service(module_serve, tmp_path_factory):
    directory = tmp_path_factory.mktemp("thrift")
    config = service(
        directory, "badinput_thrift", THRIFT_APP, "make_processor", "baseplate.server.thrift"
    )
    return module_serve(config, cwd=directory)


@pytest.fixture(scope="module")
def wsgi_service(module_serve, tmp_path_factory):
    directory = tmp_path_factory.mktemp("wsgi")
    config = service(directory, "badinput_wsgi", WSGI_APP, "make_app", "baseplate.server.wsgi")
    return module_serve(config, cwd=directory)


def healthy(port: int) -> bool:
    sock = TSocket("127.0.0.1", port)
    sock.setTimeout(10_000)
    sock.open()
    try:
        client = BaseplateServiceV2.Client(THeaderProtocolFactory().getProtocol(sock))
        return bool(client.is_healthy(IsHealthyRequest(IsHealthyProbe.READINESS)))
    finally:
        sock.close()


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def closed_within(sock: socket.socket, seconds: float) -> float:
    """Read until the server closes ``sock``; return how long that took (fails after
    ``seconds``)."""
    started = time.monotonic()
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass
    except TimeoutError:
        pytest.fail(f"the server kept the connection open for over {seconds} s")
    return time.monotonic() - started


def header_frame(header_fields: bytes, payload: bytes = b"", *, words: int = 0) -> bytes:
    padded = header_fields + bytes(-len(header_fields) % 4)
    body = struct.pack("!HHiH", 0x0FFF, 0, 1, words or len(padded) // 4) + padded + payload
    return struct.pack("!i", len(body)) + body


MALFORMED_FRAMES = {
    "negative length": struct.pack("!i", -5) + b"\x00" * 16,
    "header running past the frame": header_frame(b"\x00\x00", words=200),
    "varint over ten bytes": header_frame(b"\x00\x00\x01" + b"\xff" * 11),
    "varint running past the frame": header_frame(b"\x00\x00\x01\x81\x81\x81"),
    "not a thrift client": b"\x00\x00\x00\x08\xde\xad\xbe\xef\x00\x00\x00\x00",
}


def test_a_frame_over_max_frame_size_closes_that_connection_only(thrift_service):
    """The announced length alone closes the connection, with one warning; nothing of that
    size is read, and another connection is served meanwhile."""
    process, port = thrift_service
    start = len(process.lines)
    bad = connect(port)
    other = connect(port)  # open before, still served after
    bad.sendall(struct.pack("!i", 0x3FFF0000))
    assert closed_within(bad, 5) < 5
    process.wait_for(
        r"WARNING:Closing the Thrift connection from .*Frame was too large", start=start
    )
    other.close()
    assert healthy(port)
    assert sum("Frame was too large" in line for line in process.lines[start:]) == 1


@pytest.mark.parametrize("data", MALFORMED_FRAMES.values(), ids=MALFORMED_FRAMES.keys())
def test_a_malformed_frame_closes_that_connection_cleanly(thrift_service, data):
    """No traceback: one line in the log, the connection closed, the server serving on."""
    process, port = thrift_service
    start = len(process.lines)
    bad = connect(port)
    bad.sendall(data)
    assert closed_within(bad, 5) < 5
    assert healthy(port)
    assert "Traceback" not in "\n".join(process.lines[start:])


def test_a_frame_cut_short_is_the_end_of_that_connection(thrift_service):
    """The client sends half a frame and goes: the connection ends, nothing else does."""
    process, port = thrift_service
    start = len(process.lines)
    bad = connect(port)
    bad.sendall(header_frame(b"\x00\x00", b"\x80\x01\x00\x01" * 8)[:20])
    bad.shutdown(socket.SHUT_WR)
    assert closed_within(bad, 5) < 5
    assert healthy(port)
    assert "Traceback" not in "\n".join(process.lines[start:])


@pytest.mark.parametrize("sent", [b"", b"\x00\x00\x00\x40\x0f\xff"], ids=["nothing", "partial"])
def test_a_silent_or_stalled_thrift_client_is_closed_after_read_timeout(thrift_service, sent):
    """A connection that sends nothing, or half a frame and then nothing, is closed once
    read_timeout has passed."""
    _, port = thrift_service
    stalled = connect(port)
    stalled.sendall(sent)
    assert closed_within(stalled, READ_TIMEOUT + 5) > READ_TIMEOUT * 0.8


def test_200_stalled_connections_do_not_stop_thrift_calls(thrift_service):
    """Calls are answered at once while 200 connections sit silent."""
    _, port = thrift_service
    stalled = [connect(port) for _ in range(200)]
    try:
        started = time.monotonic()
        assert healthy(port)
        assert time.monotonic() - started < READ_TIMEOUT
    finally:
        for sock in stalled:
            sock.close()


def http_get(port: int, path: str = "/") -> bytes:
    with connect(port) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        return b"".join(iter(lambda: sock.recv(65536), b""))


@pytest.mark.parametrize(
    "sent", [b"", b"GET / HT", b"GET / HTTP/1.1\r\nHost: x\r\n"], ids=["nothing", "line", "headers"]
)
def test_a_silent_or_stalled_http_client_is_closed_after_read_timeout(wsgi_service, sent):
    """Nothing, a partial request line or partial headers, then silence: closed once
    read_timeout has passed."""
    process, port = wsgi_service
    start = len(process.lines)
    stalled = connect(port)
    stalled.sendall(sent)
    assert closed_within(stalled, READ_TIMEOUT + 5) > READ_TIMEOUT * 0.8
    assert http_get(port).startswith(b"HTTP/1.1 200")
    assert "Traceback" not in "\n".join(process.lines[start:])


def read_response(sock: socket.socket) -> bytes:
    """One response of the test app (its body is ``ok``), however many reads it takes."""
    response = b""
    while not response.endswith(b"\r\n\r\nok"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        response += chunk
    return response


def test_a_kept_alive_http_connection_is_not_timed_between_requests(wsgi_service):
    """After a response, the connection may wait longer than read_timeout for its next
    request."""
    _, port = wsgi_service
    with connect(port) as sock:
        request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        sock.sendall(request)
        assert read_response(sock).startswith(b"HTTP/1.1 200")
        time.sleep(READ_TIMEOUT * 1.5)
        sock.sendall(request)
        assert read_response(sock).startswith(b"HTTP/1.1 200")


def test_200_stalled_connections_do_not_stop_http_requests(wsgi_service):
    """Requests are answered at once while 200 connections sit with half a request line."""
    _, port = wsgi_service
    stalled = [connect(port) for _ in range(200)]
    try:
        for sock in stalled:
            sock.sendall(b"GET /")
        started = time.monotonic()
        assert http_get(port).startswith(b"HTTP/1.1 200")
        assert time.monotonic() - started < READ_TIMEOUT
    finally:
        for sock in stalled:
            sock.close()


def test_an_over_long_request_line_is_answered_414(wsgi_service):
    """gevent's 8 KiB request-line limit: 414, and the server serves on."""
    _, port = wsgi_service
    assert http_get(port, "/" + "a" * 9000).startswith(b"HTTP/1.1 414")
    assert http_get(port).startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize(
    "headers",
    [b"X-Big: " + b"a" * 70_000 + b"\r\n", b"".join(b"X-%d: 1\r\n" % i for i in range(150))],
    ids=["a header line over 64 KiB", "over 100 header lines"],
)
def test_over_large_headers_are_answered_400(wsgi_service, headers):
    """A header line or header count over the limit: 400, and the server serves on."""
    process, port = wsgi_service
    start = len(process.lines)
    with connect(port) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 400")
    assert http_get(port).startswith(b"HTTP/1.1 200")
    assert "Traceback" not in "\n".join(process.lines[start:])
