"""Exporting is never on the request path.

A statsd port, trace collector, sidecar queue or Sentry DSN that is down, refusing, full or
black-holed (it accepts connections and never answers) must leave the service's requests
alone: each case below starts the example WSGI service under baseplate-serve with one broken
exporter configured, drives it with concurrent keep-alive clients, and checks that every
request got its answer, that the server is still healthy afterwards, and that the broken
exporter really was exercised (its warning is in the server's log, or the black hole saw a
connection), so a configuration that was silently ignored fails the test. The cases that need
no failing request (all but Sentry's) run against the example Thrift service too, driven by
concurrent THeader clients.

The client timeout (10 s) only detects a hang: a comparable framework froze its whole process
for about a minute when its trace collector was absent. Latency and throughput are measured
and printed (run with ``-s``), never asserted; the "baseline" case runs without exporters for
comparison.
"""

from __future__ import annotations

import http.client
import http.server
import json
import math
import os
import re
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from baseplate_testing import (
    REPO_ROOT,
    WAIT,
    BlackHole,
    HTTPStandIn,
    Process,
    QueueFactory,
    free_port,
)

from baseplate.message_queue import TimedOutError

EVIDENCE_WAIT = 10.0  # seconds: the bound on waiting for a broken exporter's trace in the log
THREADS = 8
REQUESTS_PER_THREAD = 100
FAIL_EVERY = 10  # every tenth request of a connection is GET /fail
CLIENT_TIMEOUT = 10.0  # a hang detector, not a speed assertion
SPAN_QUEUE = 10  # tracing.max_span_queue_size for the collector cases: drops come quickly


# --- the server -------------------------------------------------------------------------------


def start_server(config_path: Path, port: int) -> Process:
    """``python -m baseplate.server CONFIG`` on ``port``, its output collected by line."""
    bind = f"127.0.0.1:{port}"
    return Process([sys.executable, "-m", "baseplate.server", str(config_path), "--bind", bind])


APP_FACTORIES = {
    "wsgi": "examples.wsgi_service.app:make_app",
    "thrift": "examples.thrift_service.service:make_processor",
}


def write_config(path: Path, settings: dict[str, str], protocol: str = "wsgi") -> Path:
    app = "".join(f"{key} = {value}\n" for key, value in settings.items())
    path.write_text(
        "[app:main]\n"
        f"factory = {APP_FACTORIES[protocol]}\n"
        "observers.enabled = true\n"
        f"{app}\n"
        "[server:main]\n"
        f"factory = baseplate.server.{protocol}\n"
        "stop_timeout = 2 seconds\n"
    )
    return path


# --- broken exporters -------------------------------------------------------------------------


class SentrySink(HTTPStandIn):
    """A Sentry stand-in: answers every POST with ``status``; its requests' paths are kept.

    200 is a working Sentry; 429 (with ``Retry-After: 60``) one that is rate-limiting us.
    """

    def __init__(self, status: int = 200) -> None:
        headers = {"Content-Type": "application/json"}
        if status == 429:
            headers["Retry-After"] = "60"
        super().__init__(lambda request: (status, headers, b"{}"), protocol_version="HTTP/1.1")

    @property
    def paths(self) -> list[str]:
        with self._changed:
            return [request.path for request in self.requests]

    def wait_for_envelope(self, timeout: float) -> None:
        """Wait until sentry-sdk has posted an envelope to the project's endpoint."""
        deadline = time.monotonic() + timeout
        while "/api/1/envelope/" not in self.paths and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "/api/1/envelope/" in self.paths, self.paths


def refused_tcp_port(stack: ExitStack) -> int:
    """A local TCP port refusing connections: bound (so nothing else takes it), not listening."""
    sock = stack.enter_context(socket.socket())
    sock.bind(("127.0.0.1", 0))
    return int(sock.getsockname()[1])


def black_hole(stack: ExitStack) -> BlackHole:
    hole = BlackHole()
    stack.callback(hole.close)
    return hole


#: What a case gives the test: the settings that configure its exporter, and the check that
#: the exporter was really exercised (None for the baseline).
Setup = tuple[dict[str, str], Callable[[Process], None] | None]

TRACING = {"tracing.service_name": "never_in_the_way", "tracing.sample_rate": "100%"}
METRICS_REFUSED = (
    r"baseplate\.metrics:WARNING:Could not send a metrics batch of \d+ bytes \(\d+ lines\) "
    r"to 127\.0\.0\.1:{port}: .*Connection refused"
)
SPAN_DROPPED = (
    r"baseplate\.diagnostics\.tracing:WARNING:Trace span queue is full \({queue} spans "
    r"waiting for http://127\.0\.0\.1:{port}/api/v1/spans\); span dropped"
)


def log_shows(*patterns: str) -> Callable[[Process], None]:
    """The check that the server's output has a line matching each pattern, in turn."""

    def check(server: Process) -> None:
        for pattern in patterns:
            server.wait_for(pattern, EVIDENCE_WAIT)

    return check


def baseline(stack: ExitStack) -> Setup:
    return {}, None


def statsd_refused(stack: ExitStack) -> Setup:
    port = free_port(socket.SOCK_DGRAM)  # UDP: nothing bound there, so ICMP says refused
    settings = {"metrics.namespace": "never_in_the_way", "metrics.endpoint": f"127.0.0.1:{port}"}
    # With the default background flusher the failed send is the flusher's, not a request's.
    return settings, log_shows(
        r"^\d+:baseplate-metrics-flusher:" + METRICS_REFUSED.format(port=port)
    )


def statsd_refused_per_request(stack: ExitStack) -> Setup:
    port = free_port(socket.SOCK_DGRAM)

    def check(server: Process) -> None:
        match = server.wait_for(r"^\d+:([^:]+):" + METRICS_REFUSED.format(port=port), EVIDENCE_WAIT)
        # Sending per request: the failure is met on the request's greenlet, not a flusher.
        assert "baseplate-metrics-flusher" not in server.output
        assert match.group(1) != "baseplate-metrics-flusher"

    return {
        "metrics.namespace": "never_in_the_way",
        "metrics.endpoint": f"127.0.0.1:{port}",
        "metrics.flush_interval": "0 seconds",
    }, check


def statsd_full_per_request(stack: ExitStack) -> Setup:
    # A UNIX datagram socket that is bound but never read: its queue (10 datagrams) fills,
    # and every later send fails at once with EAGAIN. Sending per request puts each of those
    # failures on a request's greenlet; the warnings about them are rate-limited.
    directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="nitw-"))
    path = os.path.join(directory, "statsd.sock")
    sink = stack.enter_context(socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM))
    sink.bind(path)

    def check(server: Process) -> None:
        server.wait_for(
            r"baseplate\.metrics:WARNING:Could not send a metrics batch of \d+ bytes "
            rf"\(\d+ lines\) to {re.escape(path)}: .*Resource temporarily unavailable",
            EVIDENCE_WAIT,
        )
        warnings = [line for line in server.lines if "Could not send a metrics batch" in line]
        assert len(warnings) <= 2, warnings  # rate-limited, not one per request

    return {
        "metrics.namespace": "never_in_the_way",
        "metrics.endpoint": path,
        "metrics.flush_interval": "0 seconds",
    }, check


def zipkin_refused(stack: ExitStack) -> Setup:
    port = refused_tcp_port(stack)
    check = log_shows(
        rf"Could not send \d+ span\(s\) to http://127\.0\.0\.1:{port}/api/v1/spans: "
        r".*(Connection refused|ConnectionRefused)",
        SPAN_DROPPED.format(queue=SPAN_QUEUE, port=port),
    )
    return {
        **TRACING,
        "tracing.endpoint": f"127.0.0.1:{port}",
        "tracing.max_span_queue_size": str(SPAN_QUEUE),
    }, check


def zipkin_black_holed(stack: ExitStack) -> Setup:
    hole = black_hole(stack)

    def check(server: Process) -> None:
        assert hole.wait_for_connection(EVIDENCE_WAIT) >= 1
        server.wait_for(SPAN_DROPPED.format(queue=SPAN_QUEUE, port=hole.port), EVIDENCE_WAIT)

    return {
        **TRACING,
        "tracing.endpoint": f"127.0.0.1:{hole.port}",
        "tracing.max_span_queue_size": str(SPAN_QUEUE),
    }, check


def sidecar_queue_full(stack: ExitStack) -> Setup:
    # The sidecar's queue is normally 10,000 spans of 100 KiB, beyond this machine's POSIX
    # queue limits; the recorder opens an existing queue with that queue's own limits.
    queues = QueueFactory(f"/traces-nitw-{os.getpid()}-", max_messages=2, max_message_size=8192)
    stack.callback(queues.close)
    queue = queues()
    name = queue.name.removeprefix("/traces-")
    for _ in range(queue.max_messages + 1):  # bounded: stops at the first refusal
        try:
            queue.put(b"{}", timeout=0)
        except TimedOutError:
            break
    assert queue.max_messages == queue.current_messages
    check = log_shows(rf"Trace queue /traces-{name} is full; span dropped")
    return {**TRACING, "tracing.queue_name": name}, check


def sentry_black_holed(stack: ExitStack) -> Setup:
    hole = black_hole(stack)

    def check(server: Process) -> None:
        assert hole.wait_for_connection(EVIDENCE_WAIT) >= 1

    return {"sentry.dsn": f"http://public@127.0.0.1:{hole.port}/1"}, check


def sentry_refused(stack: ExitStack) -> Setup:
    port = refused_tcp_port(stack)
    # sentry-sdk logs nothing without debug; its HTTP library (urllib3) warns about each
    # refused attempt, on the SDK's background worker, naming the envelope endpoint.
    check = log_shows(
        rf"^\d+:sentry-sdk\.BackgroundWorker:.*port={port}\).*Connection refused.*"
        r"/api/1/envelope/"
    )
    return {"sentry.dsn": f"http://public@127.0.0.1:{port}/1"}, check


def sentry_working(stack: ExitStack) -> Setup:
    # Not a broken exporter: the reference for the Sentry cases, whose /fail requests build
    # an error report (stack frames and their variables) in the request whatever the DSN.
    sink = SentrySink()
    stack.callback(sink.stop)

    def check(server: Process) -> None:
        sink.wait_for_envelope(EVIDENCE_WAIT)

    return {"sentry.dsn": f"http://public@127.0.0.1:{sink.port}/1"}, check


def sentry_rate_limiting(stack: ExitStack) -> Setup:
    # Sentry answers 429: sentry-sdk stops sending for Retry-After seconds and drops the
    # reports meanwhile, on its own worker.
    sink = SentrySink(status=429)
    stack.callback(sink.stop)

    def check(server: Process) -> None:
        sink.wait_for_envelope(EVIDENCE_WAIT)
        # 80 requests failed, but the SDK stopped posting once told to wait.
        assert len(sink.paths) < THREADS * (REQUESTS_PER_THREAD // FAIL_EVERY), sink.paths

    return {"sentry.dsn": f"http://public@127.0.0.1:{sink.port}/1"}, check


CASES: dict[str, Callable[[ExitStack], Setup]] = {
    "baseline (no exporters)": baseline,
    "statsd refused": statsd_refused,
    "statsd refused, per request": statsd_refused_per_request,
    "statsd full, per request": statsd_full_per_request,
    "zipkin refused": zipkin_refused,
    "zipkin black-holed": zipkin_black_holed,
    "sidecar queue full": sidecar_queue_full,
    "sentry black-holed": sentry_black_holed,
    "sentry refused": sentry_refused,
    "sentry rate-limiting (429)": sentry_rate_limiting,
    "sentry working (reference)": sentry_working,
}


# --- load -------------------------------------------------------------------------------------


def get(connection: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read()


def drive(port: int) -> tuple[list[tuple[str, int, float]], list[str], float]:
    """Run the load; return (kind, status, seconds) per request, the errors, and the wall time."""
    results: list[list[tuple[str, int, float]]] = [[] for _ in range(THREADS)]

    def client(index: int, start: threading.Barrier) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
        try:
            start.wait()
            for number in range(REQUESTS_PER_THREAD):
                kind = "fail" if number % FAIL_EVERY == FAIL_EVERY - 1 else "hello"
                path = "/fail" if kind == "fail" else f"/hello?name=client{index}"
                began = time.perf_counter()
                status, _ = get(connection, path)
                results[index].append((kind, status, time.perf_counter() - began))
        finally:
            connection.close()

    errors, elapsed = run_clients(client)
    return [row for rows in results for row in rows], errors, elapsed


def run_clients(client: Callable[[int, threading.Barrier], None]) -> tuple[list[str], float]:
    """Run ``client(index, start)`` in THREADS threads that begin together at ``start``.

    Returns the errors (what each failed client raised, and the clients still running at the
    bound) and the wall time from the start. Each client gives up after CLIENT_TIMEOUT per
    request; the bound is never reached unless something hangs outright.
    """
    start = threading.Barrier(THREADS + 1, timeout=WAIT)
    errors: list[str] = []

    def run(index: int) -> None:
        try:
            client(index, start)
        except Exception as exc:
            errors.append(f"client {index}: {exc!r}")

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    deadline = time.monotonic() + REQUESTS_PER_THREAD * CLIENT_TIMEOUT
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    elapsed = time.perf_counter() - began
    stuck = [f"client {i} still running" for i, t in enumerate(threads) if t.is_alive()]
    return errors + stuck, elapsed


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@pytest.fixture(scope="module")
def figures() -> Iterator[dict[str, dict[str, float]]]:
    """Collects each case's measurements and prints them as a table at the end."""
    rows: dict[str, dict[str, float]] = {}
    yield rows
    if rows:
        print(f"\n{THREADS} keep-alive clients x {REQUESTS_PER_THREAD} requests (1 in 10 /fail):")
        print(
            f"{'case':<30} {'hello p50':>9} {'hello p99':>9} {'fail p50':>9} {'fail p99':>9} "
            f"{'req/s':>7} {'stop s':>6}"
        )
        for name, row in rows.items():
            print(
                f"{name:<30} {row['hello_p50']:>9.2f} {row['hello_p99']:>9.2f} "
                f"{row['fail_p50']:>9.2f} {row['fail_p99']:>9.2f} {row['rps']:>7.0f} "
                f"{row['stop']:>6.2f}"
            )
        print("(latencies in ms, measured by the client on the same machine)")


@pytest.mark.integration
@pytest.mark.parametrize("case", list(CASES))
def test_a_broken_exporter_never_slows_or_fails_requests(
    case: str, tmp_path: Path, figures: dict[str, dict[str, float]]
) -> None:
    """Under load, every request is answered while the exporter is broken, and the server
    stays healthy; the broken exporter was really in use."""
    with ExitStack() as stack:
        settings, check = CASES[case](stack)
        port = free_port()
        server = start_server(write_config(tmp_path / "service.ini", settings), port)
        stop_seconds: list[float] = []
        stack.callback(lambda: stop_seconds.append(server.close(timeout=WAIT)))
        server.wait_for(r"baseplate\.server:INFO:Listening on ", WAIT)

        rows, errors, elapsed = drive(port)

        assert errors == []
        statuses = Counter((kind, status) for kind, status, _ in rows)
        fails = THREADS * (REQUESTS_PER_THREAD // FAIL_EVERY)
        expected = {("hello", 200): THREADS * REQUESTS_PER_THREAD - fails, ("fail", 500): fails}
        assert expected == dict(statuses)

        health = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
        try:
            status, body = get(health, "/health?type=readiness")
        finally:
            health.close()
        assert (status, json.loads(body)["healthy"]) == (200, True)

        if check is not None:
            check(server)

        stack.close()  # stop the server now, to time its shutdown too
        hello = [seconds * 1000 for kind, _, seconds in rows if kind == "hello"]
        fail = [seconds * 1000 for kind, _, seconds in rows if kind == "fail"]
        row: dict[str, Any] = {
            "hello_p50": percentile(hello, 0.50),
            "hello_p99": percentile(hello, 0.99),
            "fail_p50": percentile(fail, 0.50),
            "fail_p99": percentile(fail, 0.99),
            "rps": len(rows) / elapsed,
            "stop": stop_seconds[0] if stop_seconds else float("nan"),
        }
        figures[case] = row
        print(
            f"\n{case}: /hello p50 {row['hello_p50']:.2f} ms, p99 {row['hello_p99']:.2f} ms; "
            f"/fail p50 {row['fail_p50']:.2f} ms, p99 {row['fail_p99']:.2f} ms; "
            f"{row['rps']:.0f} req/s; stopped in {row['stop']:.2f} s"
        )


# --- the same against the example Thrift service ----------------------------------------------

#: The cases that need no failing request (Sentry only hears of failures; greet never fails).
THRIFT_CASES = [name for name in CASES if not name.startswith("sentry")]


def drive_thrift(port: int) -> tuple[list[float], list[str], float]:
    """Call greet from THREADS THeader clients; return the latencies, the errors, the time."""
    from thrift.protocol.THeaderProtocol import THeaderProtocolFactory
    from thrift.transport.TSocket import TSocket

    sys.path.insert(0, str(REPO_ROOT))
    from examples.thrift_service.example_thrift import ExampleService

    latencies: list[list[float]] = [[] for _ in range(THREADS)]

    def client(index: int, start: threading.Barrier) -> None:
        sock = TSocket("127.0.0.1", port)
        sock.setTimeout(CLIENT_TIMEOUT * 1000)
        try:
            sock.open()
            greeter = ExampleService.Client(THeaderProtocolFactory().getProtocol(sock))
            start.wait()
            for _ in range(REQUESTS_PER_THREAD):
                began = time.perf_counter()
                answer = greeter.greet(f"client{index}")
                latencies[index].append(time.perf_counter() - began)
                if answer != f"Hello, client{index}!":
                    raise AssertionError(f"answer {answer!r}")
        finally:
            sock.close()

    errors, elapsed = run_clients(client)
    return [seconds for rows in latencies for seconds in rows], errors, elapsed


@pytest.mark.integration
@pytest.mark.parametrize("case", THRIFT_CASES)
def test_a_broken_exporter_never_slows_or_fails_thrift_calls(case: str, tmp_path: Path) -> None:
    """Under load, every Thrift call is answered while the exporter is broken, the server
    passes its health check, and the broken exporter was really in use."""
    with ExitStack() as stack:
        settings, check = CASES[case](stack)
        port = free_port()
        server = start_server(write_config(tmp_path / "service.ini", settings, "thrift"), port)
        stack.callback(server.close, timeout=WAIT)
        server.wait_for(r"baseplate\.server:INFO:Listening on ", WAIT)

        latencies, errors, elapsed = drive_thrift(port)

        assert errors == []
        assert len(latencies) == THREADS * REQUESTS_PER_THREAD
        healthcheck = Path(sysconfig.get_path("scripts")) / "baseplate-healthcheck"
        health = subprocess.run(
            [str(healthcheck), "thrift", f"127.0.0.1:{port}"],
            capture_output=True,
            text=True,
            timeout=WAIT,
            check=False,
        )
        assert (health.returncode, health.stdout.strip()) == (0, "OK!"), health.stderr
        if check is not None:
            check(server)
        milliseconds = [seconds * 1000 for seconds in latencies]
        print(
            f"\nthrift, {case}: greet p50 {percentile(milliseconds, 0.50):.2f} ms, "
            f"p99 {percentile(milliseconds, 0.99):.2f} ms; {len(latencies) / elapsed:.0f} calls/s"
        )
