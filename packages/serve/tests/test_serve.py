"""End-to-end tests of baseplate-serve's life cycle (baseplate.server._serve): a real
subprocess, real sockets, real signals."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import sys
import textwrap
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

TINY_APP = textwrap.dedent(
    """
    import json
    import logging
    import urllib.parse

    import gevent

    from baseplate.server import Probe, state

    logger = logging.getLogger("tinyapp")


    def make_app(app_config):
        def app(environ, start_response):
            path = environ["PATH_INFO"]
            params = dict(urllib.parse.parse_qsl(environ["QUERY_STRING"]))
            status = "200 OK"
            if path == "/health":
                healthy = state().passes(Probe.parse(params.get("type", "1")))
                status = "200 OK" if healthy else "503 Service Unavailable"
                body = {"healthy": healthy}
            elif path == "/slow":
                logger.info("slow request started")
                gevent.sleep(float(params.get("seconds", "1")))
                body = {"slept": True}
            else:
                body = {"greeting": app_config["greeting"], "path": path}
            data = json.dumps(body).encode()
            start_response(status, [("Content-Type", "application/json"),
                                    ("Content-Length", str(len(data)))])
            return [data]
        return app
    """
)


METRICS_APP = textwrap.dedent(
    """
    import socket
    from types import SimpleNamespace


    class Batch:
        def __init__(self, port):
            self.port = port
            self.lines = []

        def gauge(self, name):
            return SimpleNamespace(replace=lambda value: self.lines.append(f"{name}:{value}|g"))

        def timer(self, name):
            return SimpleNamespace(send=lambda value: self.lines.append(f"{name}:{value}|ms"))

        def flush(self):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                udp.sendto("\\n".join(self.lines).encode(), ("127.0.0.1", self.port))


    def make_app(app_config):
        port = int(app_config["metrics_port"])

        def app(environ, start_response):
            start_response("200 OK", [("Content-Length", "2")])
            return [b"ok"]

        client = SimpleNamespace(batch=lambda: Batch(port))
        app.baseplate = SimpleNamespace(metrics_client=client)
        return app
    """
)


RUN_SERVER_WITH_A_PAIR = textwrap.dedent(
    """
    import socket, sys

    from gevent import monkey

    monkey.patch_all()

    from baseplate.config import EndpointConfiguration
    from baseplate.server import configure_logging, read_config
    from baseplate.server._serve import run_server

    config = read_config(sys.argv[1], server_name="main")
    configure_logging(config)
    run_server(config, EndpointConfiguration(socket.AF_INET, ("127.0.0.1", int(sys.argv[2]))))
    """
)


def tiny_service(directory: Path, **server_keys: str) -> Path:
    """Write tinyapp.py and service.ini into ``directory``; return the INI's path."""
    (directory / "tinyapp.py").write_text(TINY_APP)
    server = "".join(f"{key} = {value}\n" for key, value in server_keys.items())
    config = directory / "service.ini"
    config.write_text(
        "[app:main]\nfactory = tinyapp:make_app\ngreeting = hello\n\n"
        f"[server:main]\nfactory = baseplate.server.wsgi\n{server}"
    )
    return config


def get(port: int, path: str, timeout: float = 30) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_serves_the_app_with_the_app_section(serve, tmp_path):
    """The app factory gets the app section; the server answers on the bound port."""
    process, port = serve(tiny_service(tmp_path), cwd=tmp_path)
    assert get(port, "/hi") == (200, {"greeting": "hello", "path": "/hi"})
    process.signal(signal.SIGTERM)
    assert process.wait() == 0


def test_run_server_binds_an_endpoint_whose_address_is_a_plain_pair(spawn, unused_port, tmp_path):
    """run_server takes a bind endpoint whose address is a (host, port) tuple."""
    port = unused_port()
    process = spawn(
        [sys.executable, "-c", RUN_SERVER_WITH_A_PAIR, str(tiny_service(tmp_path)), str(port)],
        cwd=tmp_path,
    )
    process.wait_for(f"Listening on 127.0.0.1:{port}")
    assert get(port, "/pair") == (200, {"greeting": "hello", "path": "/pair"})
    process.signal(signal.SIGTERM)
    assert process.wait() == 0


def test_sigterm_lets_the_request_in_flight_finish(serve, tmp_path):
    """SIGTERM stops accepting but the slow request in flight completes, then the process
    exits (well within stop_timeout)."""
    process, port = serve(tiny_service(tmp_path, stop_timeout="20 seconds"), cwd=tmp_path)
    result: list[tuple[int, dict]] = []
    request = threading.Thread(target=lambda: result.append(get(port, "/slow?seconds=2")))
    request.start()
    process.wait_for("tinyapp:INFO:slow request started")
    process.signal(signal.SIGTERM)
    process.wait_for("Received SIGTERM: shutting down gracefully")
    process.wait_for(r"Listener closed; waiting up to 20 seconds for 1 connection\(s\) in flight")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    request.join(30)
    assert result == [(200, {"slept": True})]
    assert process.wait(timeout=20) == 0
    process.wait_for("baseplate.server:INFO:Stopped")


@pytest.mark.parametrize("signum", [signal.SIGUSR2, signal.SIGINT])
def test_sigusr2_and_sigint_also_stop_gracefully(serve, tmp_path, signum):
    """Einhorn's SIGUSR2 and Ctrl-C's SIGINT shut down like SIGTERM (no traceback)."""
    process, _ = serve(tiny_service(tmp_path), cwd=tmp_path)
    process.signal(signum)
    assert process.wait() == 0
    assert f"Received {signal.Signals(signum).name}: shutting down gracefully" in process.output
    assert "Traceback" not in process.output


def test_requests_outlasting_stop_timeout_are_cut_off(serve, tmp_path):
    """When stop_timeout runs out the remaining requests are killed and the process exits."""
    process, port = serve(tiny_service(tmp_path, stop_timeout="1"), cwd=tmp_path)
    errors: list[BaseException] = []
    statuses: list[int] = []

    def slow_request() -> None:
        try:
            statuses.append(get(port, "/slow?seconds=60")[0])
        except (OSError, http.client.HTTPException, ValueError) as exc:
            errors.append(exc)

    request = threading.Thread(target=slow_request)
    request.start()
    process.wait_for("slow request started")
    process.signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    request.join(15)
    assert errors or statuses == [500]
    assert "Stop timeout reached; killing 1 connection(s)" in process.output


def test_sigusr1_logs_every_greenlets_stack(serve, tmp_path):
    """SIGUSR1 logs the stacks of all greenlets, the main one waiting for shutdown included."""
    process, port = serve(tiny_service(tmp_path), cwd=tmp_path)
    start = len(process.lines)
    process.signal(signal.SIGUSR1)
    process.wait_for(
        r"baseplate\.server:WARNING:Stacks of all threads and greenlets, as requested by SIGUSR1",
        start=start,
    )
    process.wait_for(r"in serve_until_signalled", start=start)
    assert get(port, "/still-serving") == (200, {"greeting": "hello", "path": "/still-serving"})


def test_drain_time_fails_readiness_but_keeps_serving(serve, tmp_path):
    """During drain_time the state is DRAINING: readiness fails, liveness and requests work."""
    process, port = serve(tiny_service(tmp_path, drain_time="30 seconds"), cwd=tmp_path)
    assert get(port, "/health?type=1")[0] == 200
    process.signal(signal.SIGTERM)
    process.wait_for("Draining for 30 seconds")
    assert get(port, "/health?type=1") == (503, {"healthy": False})
    assert get(port, "/health?type=2") == (200, {"healthy": True})
    assert get(port, "/anything")[0] == 200
    process.signal(signal.SIGTERM)  # a second signal ends the drain early
    process.wait_for("Received SIGTERM again: cutting the shutdown short")
    assert process.wait() == 0


def test_einhorn_worker(spawn, console_script, env, tmp_path):
    """Acting as an Einhorn master: the worker serves on the inherited socket and sends the
    manual ACK line once it is ready."""
    config = tiny_service(tmp_path)
    control_path = str(tmp_path / "einhorn.sock")
    with (
        socket.socket() as listener,
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as control,
    ):
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        control.bind(control_path)
        control.listen(1)
        control.settimeout(15)
        worker = spawn(
            [*console_script("baseplate-serve"), str(config)],
            cwd=tmp_path,
            env=env(
                EINHORN_MASTER_PID=str(os.getpid()),
                EINHORN_SOCK_PATH=control_path,
                EINHORN_FD_COUNT="1",
                EINHORN_FD_0=str(listener.fileno()),
                EINHORN_FD_FAMILY_0="AF_INET",
            ),
            pass_fds=[listener.fileno()],
        )
        connection, _ = control.accept()
        with connection:
            connection.settimeout(15)
            message = b""
            while chunk := connection.recv(4096):
                message += chunk
        assert {"command": "worker:ack", "pid": worker.pid} == json.loads(message)
        assert message.endswith(b"}\n")
        assert message.count(b"\n") == 1
        worker.wait_for(f"Listening on 127.0.0.1:{port}")
        assert get(port, "/via-einhorn") == (200, {"greeting": "hello", "path": "/via-einhorn"})
        worker.signal(signal.SIGUSR2)
        assert worker.wait() == 0


def test_unix_socket_bind(serve_unix):
    """--bind with a path listens on a UNIX socket."""
    path, _ = serve_unix
    connection = http.client.HTTPConnection("localhost", timeout=10)
    connection.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.sock.settimeout(10)
    connection.sock.connect(path)
    connection.request("GET", "/over-unix")
    response = connection.getresponse()
    assert (
        response.status,
        json.loads(response.read()),
    ) == (200, {"greeting": "hello", "path": "/over-unix"})
    connection.close()


def test_process_metrics_reach_the_apps_metrics_client(serve, tmp_path):
    """With a metrics client on app.baseplate, process metrics are sent every 10 seconds
    under runtime.<hostname>.PID<pid>."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as statsd:
        statsd.bind(("127.0.0.1", 0))
        statsd.settimeout(25)  # reports come at the next multiple of 10 s on the clock
        (tmp_path / "metrics_app.py").write_text(METRICS_APP)
        config = tmp_path / "metrics.ini"
        config.write_text(
            "[app:main]\nfactory = metrics_app:make_app\n"
            f"metrics_port = {statsd.getsockname()[1]}\n\n"
            "[server:main]\nfactory = baseplate.server.wsgi\nmonitoring.gc.timing = true\n"
        )
        process, _ = serve(config, cwd=tmp_path)
        datagram, _ = statsd.recvfrom(65536)
    names = {line.split(":")[0] for line in datagram.decode().split("\n")}
    prefix = f"runtime.{socket.gethostname().replace('.', '_')}.PID{process.pid}"
    assert f"{prefix}.active_requests" in names
    assert {
        f"{prefix}.gc.gen{n}.{key}"
        for n in range(3)
        for key in ("collections", "collected", "uncollectable")
    } <= names
    assert all(name.startswith(prefix + ".") for name in names)


@pytest.fixture
def serve_unix(spawn, console_script, tmp_path):
    config = tiny_service(tmp_path)
    path = str(tmp_path / "service.sock")
    process = spawn([*console_script("baseplate-serve"), str(config), "--bind", path], cwd=tmp_path)
    process.wait_for("Listening on")
    return path, process
