"""Tests for the gevent WSGI server (baseplate.server.wsgi), over real sockets."""

from __future__ import annotations

import socket
import textwrap
import threading
import time

import gevent
import pytest

from baseplate.config import ConfigurationError
from baseplate.server import wsgi


def app(environ, start_response):
    """/slow?s answers after s seconds; /nodelay shows the handler's TCP_NODELAY reading."""
    path = environ["PATH_INFO"]
    if path == "/slow":
        gevent.sleep(float(environ.get("QUERY_STRING") or "1"))
    body = path.encode()
    if path == "/nodelay":
        body = str(environ.get("test.nodelay")).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def read_response(sock: socket.socket) -> tuple[str, dict[str, str], bytes]:
    """Read one HTTP response with a Content-Length from ``sock``."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError(f"connection closed after {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers["content-length"])
    while len(body) < length:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("connection closed mid-body")
        body += chunk
    return status, headers, body


def get(sock: socket.socket, path: str) -> tuple[str, dict[str, str], bytes]:
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
    return read_response(sock)


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def wait_for_a_request_in_flight(server) -> None:
    """Wait (up to 10 s) until ``server`` is handling a request."""
    deadline = time.monotonic() + 10
    while server.active_requests < 1 and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.fixture
def serving(thread_server):
    """``serving(config)``: the app on a WSGI server made from ``config``, in a thread;
    yields ``(server, port, stop)`` like ``thread_server``."""
    return lambda config: thread_server(lambda listener: wsgi.make_server(config, listener, app))


def test_keep_alive_requests_on_one_connection(serving):
    """Several requests are answered on one keep-alive connection."""
    with serving({}) as (_, port, stop):
        with connect(port) as sock:
            answers = [get(sock, f"/{n}")[2] for n in range(3)]
        stop()
    assert answers == [b"/0", b"/1", b"/2"]


def test_accepted_sockets_have_tcp_nodelay(serving, tmp_path, monkeypatch):
    """TCP_NODELAY is set on every accepted connection (seen through a custom handler)."""
    (tmp_path / "nodelay_handler_for_test.py").write_text(
        textwrap.dedent(
            """
            import socket
            from gevent.pywsgi import WSGIHandler

            class RecordingHandler(WSGIHandler):
                def get_environ(self):
                    environ = super().get_environ()
                    environ["test.nodelay"] = self.socket.getsockopt(
                        socket.IPPROTO_TCP, socket.TCP_NODELAY
                    )
                    return environ
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    config = {"handler": "nodelay_handler_for_test.RecordingHandler"}
    with serving(config) as (_, port, stop):
        with connect(port) as sock:
            _, _, body = get(sock, "/nodelay")
        stop()
    assert body == b"1"


def test_stop_closes_idle_connections_and_finishes_in_flight_requests(serving):
    """On stop an idle keep-alive connection is closed at once, and a request in flight
    is answered (with Connection: close) before its connection closes."""
    config = {"stop_timeout": "10 seconds"}
    with serving(config) as (server, port, stop):
        idle = connect(port)
        get(idle, "/warm-up")
        busy = connect(port)
        busy.sendall(b"GET /slow HTTP/1.1\r\nHost: test\r\n\r\n")
        wait_for_a_request_in_flight(server)
        assert server.active_requests == 1
        stopper = threading.Thread(target=stop)
        stopper.start()
        assert idle.recv(1) == b""
        in_flight_when_idle_closed = server.active_requests
        status, headers, body = read_response(busy)
        assert busy.recv(1) == b""
        stopper.join(10)
        idle.close()
        busy.close()
    assert (status, headers.get("connection"), body) == ("HTTP/1.1 200 OK", "close", b"/slow")
    assert in_flight_when_idle_closed == 1  # closed without waiting for the slow request
    assert server.active_requests == 0


def test_requests_still_running_after_stop_timeout_are_cut_off(serving):
    """A request outlasting stop_timeout is killed: it never gets its answer (gevent may
    still send a 500) and the connection closes."""
    config = {"stop_timeout": "0.2"}
    with serving(config) as (server, port, stop):
        busy = connect(port)
        busy.sendall(b"GET /slow?5 HTTP/1.1\r\nHost: test\r\n\r\n")
        wait_for_a_request_in_flight(server)
        stop()
        received = b""
        while chunk := busy.recv(4096):
            received += chunk
        busy.close()
    assert received == b"" or received.startswith(b"HTTP/1.1 500 ")


def test_server_settings_from_config(serving):
    """max_concurrency sizes the connection pool; stop_timeout takes a span or seconds."""
    with serving({"max_concurrency": "7", "stop_timeout": "3 seconds"}) as (server, _, stop):
        assert (server.pool.size, server.stop_timeout) == (7, 3.0)
        stop()
    with serving({"stop_timeout": "2.5"}) as (server, _, stop):
        assert (server.pool.size, server.stop_timeout) == (None, 2.5)
        stop()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            {"max_concurrency": "0"},
            "^max_concurrency: expected a whole number of at least 1, got '0'",
        ),
        ({"max_concurrency": "many"}, "^max_concurrency: "),
        ({"stop_timeout": "soon"}, "^stop_timeout: expected a span of time"),
        (
            {"handler": "json.JSONDecoder"},
            "^handler: 'json.JSONDecoder' is not a subclass of gevent.pywsgi.WSGIHandler$",
        ),
        (
            {"handler": "no_such_module_xyz.Handler"},
            "^handler: no module named 'no_such_module_xyz'",
        ),
    ],
)
def test_bad_configuration_names_the_key(config, message):
    """Bad server settings are ConfigurationErrors naming the key."""
    with socket.socket() as listener, pytest.raises(ConfigurationError, match=message):
        wsgi.make_server(config, listener, app)


def test_while_draining_each_response_closes_its_connection(serving):
    """After start_draining() a keep-alive request is answered with Connection: close and
    its connection closed, while new connections are still accepted."""
    with serving({}) as (server, port, stop):
        kept = connect(port)
        get(kept, "/before")
        server.start_draining()
        status, headers, body = get(kept, "/during")
        closed = kept.recv(1)
        fresh = connect(port)
        fresh_answer = get(fresh, "/new")
        kept.close()
        fresh.close()
        stop()
    assert (status, headers.get("connection"), body) == ("HTTP/1.1 200 OK", "close", b"/during")
    assert closed == b""
    assert (fresh_answer[2], fresh_answer[1].get("connection")) == (b"/new", "close")


def test_a_new_connection_gets_a_grace_for_its_first_request(serving):
    """A connection that has sent nothing yet when the server stops may still send its first
    request within the grace, and is answered."""
    with serving({"stop_timeout": "10 seconds"}) as (server, port, stop):
        new = connect(port)
        deadline = time.monotonic() + 10
        while not server.tracker.new and time.monotonic() < deadline:
            time.sleep(0.01)
        stopper = threading.Thread(target=stop)
        stopper.start()
        time.sleep(server.tracker.first_request_grace / 4)
        status, headers, body = get(new, "/late")
        stopper.join(10)
        new.close()
    assert (status, headers.get("connection"), body) == ("HTTP/1.1 200 OK", "close", b"/late")
