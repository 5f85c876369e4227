"""End-to-end tests with the example services in examples/ under baseplate-serve: trace
propagation over HTTP and Thrift, health checks and draining (needs baseplate-pyramid and
baseplate-thrift)."""

from __future__ import annotations

import configparser
import signal
import subprocess
from pathlib import Path

import pytest
from baseplate_testing import get_json as http_get
from thrift.protocol.THeaderProtocol import THeaderProtocolFactory
from thrift.transport.TSocket import TSocket

pytestmark = pytest.mark.integration


def example_config(
    repo_root: Path, directory: Path, name: str, overrides: dict[tuple[str, str], str] | None = None
) -> Path:
    """A copy of examples/<name>/example.ini with ``{(section, key): value}`` changed."""
    parser = configparser.RawConfigParser()
    parser.read(repo_root / "examples" / name / "example.ini")
    for (section, key), value in (overrides or {}).items():
        parser.set(section, key, value)
    path = directory / f"{name}.ini"
    with path.open("w") as config_file:
        parser.write(config_file)
    return path


@pytest.fixture(scope="module")
def services(module_serve, repo_root, tmp_path_factory):
    """The example Thrift service, and the example WSGI service using it downstream."""
    directory = tmp_path_factory.mktemp("examples")
    thrift_config = example_config(repo_root, directory, "thrift_service")
    thrift_process, thrift_port = module_serve(thrift_config, cwd=repo_root)
    wsgi_config = example_config(
        repo_root,
        directory,
        "wsgi_service",
        {("app:main", "downstream.endpoint"): f"127.0.0.1:{thrift_port}"},
    )
    wsgi_process, wsgi_port = module_serve(wsgi_config, cwd=repo_root)
    return {
        "thrift": (thrift_process, thrift_port),
        "wsgi": (wsgi_process, wsgi_port),
    }


def thrift_client(port: int):
    from examples.thrift_service.example_thrift import ExampleService

    sock = TSocket("127.0.0.1", port)
    sock.setTimeout(15_000)
    protocol = THeaderProtocolFactory().getProtocol(sock)
    sock.open()
    return ExampleService.Client(protocol), protocol, sock


@pytest.fixture
def examples_importable(repo_root, monkeypatch):
    monkeypatch.syspath_prepend(str(repo_root))


def test_http_request_continues_the_callers_trace(services):
    """Trusted X-Trace headers become the server span's ids, and the handler's log line is
    tagged with the trace id."""
    process, port = services["wsgi"]
    headers = {"X-Trace": "1234567", "X-Span": "7654321", "X-Parent": "1111", "X-Sampled": "1"}
    status, body = http_get(port, "/hello?name=tester", headers)
    assert (status, body["message"]) == (200, "Hello, tester!")
    assert (body["span"]) == {
        "trace_id": "1234567",
        "span_id": "7654321",
        "parent_id": "1111",
        "sampled": True,
    }
    process.wait_for(
        rf"^{process.pid}:1234567:examples\.wsgi_service\.app:INFO:Saying hello to tester$"
    )


def test_downstream_thrift_call_carries_the_trace(services):
    """The WSGI service's call to the Thrift service continues the same trace: the Thrift
    server span's parent is the WSGI server span."""
    _, port = services["wsgi"]
    status, body = http_get(
        port, "/downstream", {"X-Trace": "424242", "X-Span": "99", "X-Parent": "1"}
    )
    assert status == 200, body
    assert (body["span"]["trace_id"], body["span"]["span_id"]) == ("424242", "99")
    downstream = body["downstream"]
    assert (downstream["trace_id"], downstream["parent_id"]) == ("424242", "99")
    assert downstream["span_id"] not in ("99", "1")


def test_thrift_call_continues_the_callers_trace(services, examples_importable):
    """THeader trace headers become the Thrift server span's ids; logs carry the trace id."""
    process, port = services["thrift"]
    client, protocol, sock = thrift_client(port)
    try:
        for name, value in {
            "Trace": "5550001",
            "Span": "5550002",
            "Parent": "5550003",
            "Sampled": "1",
        }.items():
            protocol.set_header(name.encode(), value.encode())
        info = client.whoami()
        protocol.set_header(b"Trace", b"5550009")
        protocol.set_header(b"Span", b"5550010")
        greeting = client.greet("thrift")
    finally:
        sock.close()
    assert (
        info.trace_id,
        info.span_id,
        info.parent_id,
        info.sampled,
    ) == ("5550001", "5550002", "5550003", True)
    assert greeting == "Hello, thrift!"
    process.wait_for(
        rf"^{process.pid}:5550009:examples\.thrift_service\.service:INFO:Greeting thrift$"
    )


@pytest.mark.parametrize("probe", ["readiness", "liveness", "startup"])
@pytest.mark.parametrize("kind", ["wsgi", "thrift"])
def test_healthcheck_passes(services, console_script, env, kind, probe):
    """baseplate-healthcheck finds both example services healthy, for every probe."""
    _, port = services[kind]
    result = subprocess.run(
        [*console_script("baseplate-healthcheck"), kind, f"127.0.0.1:{port}", "--probe", probe],
        env=env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (result.returncode, result.stdout) == (0, "OK!\n"), result.stderr


def healthcheck(
    console_script, env, kind: str, port: int, probe: str
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*console_script("baseplate-healthcheck"), kind, f"127.0.0.1:{port}", "--probe", probe],
        env=env(),
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize("kind", ["wsgi_service", "thrift_service"])
def test_readiness_fails_while_draining(serve, repo_root, tmp_path, console_script, env, kind):
    """After SIGTERM, during drain_time, readiness fails while liveness passes; a second
    signal ends the drain and the process exits."""
    config = example_config(
        repo_root, tmp_path, kind, {("server:main", "drain_time"): "30 seconds"}
    )
    process, port = serve(config, cwd=repo_root)
    protocol = kind.split("_")[0]
    assert healthcheck(console_script, env, protocol, port, "readiness").returncode == 0
    process.signal(signal.SIGTERM)
    process.wait_for("Draining for 30 seconds")
    readiness = healthcheck(console_script, env, protocol, port, "readiness")
    liveness = healthcheck(console_script, env, protocol, port, "liveness")
    assert readiness.returncode == 1
    assert "unhealthy: HealthCheckError" in readiness.stderr
    assert (liveness.returncode, liveness.stdout) == (0, "OK!\n")
    process.signal(signal.SIGTERM)
    assert process.wait() == 0
