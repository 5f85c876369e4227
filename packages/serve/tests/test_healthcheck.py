"""Tests for baseplate-healthcheck (baseplate.server.healthcheck) against real servers."""

from __future__ import annotations

import http.server
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from thrift.Thrift import TApplicationException, TMessageType

from baseplate.config import EndpointConfiguration
from baseplate.server import Probe, healthcheck
from baseplate.server import thrift as thrift_server
from baseplate.thrift import BaseplateService, BaseplateServiceV2


class HealthHandler(http.server.BaseHTTPRequestHandler):
    """Answers /health with the status and body the test configured."""

    status = 200
    body = b'{"ok": true}'
    paths: list[str] = []

    def do_GET(self) -> None:
        type(self).paths.append(self.path)
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def http_server(
    status: int, body: bytes, unix_path: str | None = None
) -> Iterator[tuple[type, str]]:
    handler = type("Handler", (HealthHandler,), {"status": status, "body": body, "paths": []})
    if unix_path is None:
        server: socketserver.BaseServer = http.server.HTTPServer(("127.0.0.1", 0), handler)
        endpoint = f"127.0.0.1:{server.server_address[1]}"
    else:

        class UnixHTTPServer(socketserver.UnixStreamServer):
            def get_request(self):  # http.server wants a (host, port) client address
                request, _ = super().get_request()
                return request, ("local", 0)

        server = UnixHTTPServer(unix_path, handler)
        endpoint = unix_path
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield handler, endpoint
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        healthcheck.main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(("probe", "number"), [("readiness", 1), ("liveness", 2), ("startup", 3)])
def test_wsgi_healthy_sends_the_probe_number(capsys, probe, number):
    """GET /health?type=<number> answered 2xx with JSON is healthy: OK! and status 0."""
    with http_server(200, b'{"status": "ok"}') as (handler, endpoint):
        assert run(capsys, "wsgi", endpoint, "--probe", probe) == (0, "OK!\n", "")
    assert [f"/health?type={number}"] == handler.paths


def test_wsgi_over_a_unix_socket(capsys, tmp_path):
    """A path endpoint is reached over a UNIX domain socket."""
    path = str(tmp_path / "health.sock")
    with http_server(200, b"{}", unix_path=path) as (handler, endpoint):
        assert run(capsys, "wsgi", endpoint) == (0, "OK!\n", "")
    assert handler.paths == ["/health?type=1"]


def test_wsgi_endpoint_address_may_be_a_plain_pair():
    """check_wsgi_service takes an endpoint whose address is a (host, port) tuple."""
    with http_server(200, b"{}") as (handler, endpoint):
        port = int(endpoint.rpartition(":")[2])
        healthcheck.check_wsgi_service(EndpointConfiguration(socket.AF_INET, ("127.0.0.1", port)))
    assert handler.paths == ["/health?type=1"]


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (
            503,
            b'{"ok": false}',
            "unhealthy: HealthCheckError: /health answered 503 Service Unavailable",
        ),
        (
            200,
            b"<html>fine</html>",
            "unhealthy: HealthCheckError: /health did not answer with JSON",
        ),
    ],
)
def test_wsgi_unhealthy(capsys, status, body, message):
    """A non-2xx status or a body that is not JSON is unhealthy: status 1 and the reason."""
    with http_server(status, body) as (_, endpoint):
        code, out, err = run(capsys, "wsgi", endpoint)
    assert (code, out) == (1, "")
    assert err.startswith(message)


def test_unreachable_service(capsys, unused_port):
    """Nothing listening is unhealthy too."""
    code, out, err = run(capsys, "wsgi", f"127.0.0.1:{unused_port()}", "--timeout", "2")
    assert (code, out) == (1, "")
    assert err.startswith("unhealthy: ConnectionRefusedError")


def test_bad_arguments(capsys):
    """An unknown probe or a bad timeout is a usage error."""
    with pytest.raises(SystemExit) as info:
        healthcheck.main(["wsgi", "127.0.0.1:1", "--probe", "ready"])
    assert info.value.code == 2
    assert "unknown health check probe 'ready'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        healthcheck.main(["thrift", "127.0.0.1:1", "--timeout", "0"])
    assert "expected a positive number of seconds, got '0'" in capsys.readouterr().err


class V2Handler:
    def __init__(self, healthy: bool) -> None:
        self.healthy = healthy
        self.probes: list[int | None] = []

    def is_healthy(self, request) -> bool:
        self.probes.append(request.probe)
        return self.healthy


@pytest.mark.parametrize("healthy", [True, False])
def test_thrift_v2_is_healthy_with_the_probe(capsys, thread_server, healthy):
    """BaseplateServiceV2.is_healthy is called with the probe; false is unhealthy."""
    handler = V2Handler(healthy)
    processor = BaseplateServiceV2.Processor(handler)
    with thread_server(lambda listener: thrift_server.make_server({}, listener, processor)) as (
        _,
        port,
        stop,
    ):
        code, out, err = run(capsys, "thrift", f"127.0.0.1:{port}", "--probe", "liveness")
        stop()
    assert handler.probes == [2]
    if healthy:
        assert (code, out, err) == (0, "OK!\n", "")
    else:
        assert (
            code,
            out,
            err,
        ) == (1, "", "unhealthy: HealthCheckError: the service says it is not healthy\n")


def test_thrift_over_a_unix_socket(capsys, thread_server, tmp_path):
    """A path endpoint reaches a Thrift server listening on a UNIX domain socket."""
    path = str(tmp_path / "thrift.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    listener.setblocking(False)
    handler = V2Handler(True)
    processor = BaseplateServiceV2.Processor(handler)
    try:
        with thread_server(lambda _: thrift_server.make_server({}, listener, processor)) as (
            _,
            _port,
            stop,
        ):
            result = run(capsys, "thrift", path, "--probe", "readiness")
            stop()
    finally:
        listener.close()
    assert result == (0, "OK!\n", "")
    assert handler.probes == [1]


def test_thrift_endpoint_address_may_be_a_plain_pair(thread_server):
    """check_thrift_service takes an endpoint whose address is a (host, port) tuple."""
    handler = V2Handler(True)
    processor = BaseplateServiceV2.Processor(handler)
    with thread_server(lambda listener: thrift_server.make_server({}, listener, processor)) as (
        _,
        port,
        stop,
    ):
        endpoint = EndpointConfiguration(socket.AF_INET, ("127.0.0.1", port))
        healthcheck.check_thrift_service(endpoint, Probe.STARTUP)
        stop()
    assert handler.probes == [3]


class V1OnlyProcessor:
    """A server that knows only the old BaseplateService: it answers the first call it gets
    (the V2 one) with UNKNOWN_METHOD, the way a server without that method would."""

    def __init__(self) -> None:
        self.calls = 0
        self.v1 = BaseplateService.Processor(type("H", (), {"is_healthy": lambda self: True})())

    def process(self, iprot, oprot) -> None:
        self.calls += 1
        if self.calls > 1:
            self.v1.process(iprot, oprot)
            return
        name, _, seqid = iprot.readMessageBegin()
        iprot.skip(12)  # TType.STRUCT: the arguments
        iprot.readMessageEnd()
        error = TApplicationException(TApplicationException.UNKNOWN_METHOD, f"Unknown {name}")
        oprot.writeMessageBegin(name, TMessageType.EXCEPTION, seqid)
        error.write(oprot)
        oprot.writeMessageEnd()
        oprot.trans.flush()


def test_thrift_falls_back_to_the_v1_method(capsys, thread_server):
    """When the server does not know the V2 method, BaseplateService.is_healthy is asked."""
    processor = V1OnlyProcessor()
    with thread_server(lambda listener: thrift_server.make_server({}, listener, processor)) as (
        _,
        port,
        stop,
    ):
        result = run(capsys, "thrift", f"127.0.0.1:{port}")
        stop()
    assert result == (0, "OK!\n", "")
    assert processor.calls == 2


def test_thrift_unreachable(capsys, unused_port):
    """A Thrift service that is not there is unhealthy."""
    code, out, err = run(capsys, "thrift", f"127.0.0.1:{unused_port()}", "--timeout", "2")
    assert (code, out) == (1, "")
    assert err.startswith("unhealthy: TTransportException")
