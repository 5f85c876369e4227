"""Benchmark: the example services under baseplate-serve against the same apps on bare gevent.

Four servers, each measured with no observers and with the logging observer, and
baseplate-serve also with every observer ("all"):

* ``wsgi/baseplate-serve``: examples/wsgi_service under ``baseplate-serve``;
* ``wsgi/bare``: the same Pyramid app (Baseplate's Pyramid integration included) on a plain
  ``gevent.pywsgi.WSGIServer``;
* ``thrift/baseplate-serve``: examples/thrift_service under ``baseplate-serve``;
* ``thrift/bare``: the same processor on a plain ``gevent.server.StreamServer`` looping
  ``processor.process`` over a THeader protocol on Thrift's own socket transport.

HTTP load comes from ``wrk`` (keep-alive, one connection per wrk thread so each thread's count
is one connection's count) calling ``GET /hello``; Thrift load from a separate process holding
THeader connections in greenlets, calling ``greet``. The app's own log line is filtered out
(root level WARNING) in every setup. Each run reports requests per second, p50 and p99
latency, the server's CPU time per request (utime + stime from /proc/<pid>/stat over the run),
the spread of requests served per connection, and the ratio to the bare server.

The "all" observer mode is full instrumentation under baseplate-serve: logging, metrics
(``metrics.endpoint`` is a UDP socket this script binds and reads; the default background
flusher), tracing at the framework's default sample rate (10 %: no ``tracing.sample_rate``
is set unless ``--sample-rate`` gives one; ``--sample-rate 100%`` traces every request;
``tracing.endpoint`` a small HTTP collector this script runs in a thread,
answering 202 to ``POST /api/v1/spans``) and error reporting (``sentry.dsn`` names a local
sink answering 200; nothing fails, so it receives nothing). The "sidecar" mode is the same
but with the production path for spans: ``tracing.queue_name``, and the trace publisher
sidecar (``python -m baseplate.diagnostics.tracing.publisher``) run by this script, posting
to the same collector. Its queue is made here, as large as the user's RLIMIT_MSGQUEUE allows
for 1 KiB spans (the default 10,000 x 100 KiB queue needs raised limits); as root the script
raises ``fs.mqueue.msg_max`` to fit. The sinks run in this script's process (and the
publisher's), on the same machine; their CPU per request and what they received are printed,
so a setup that silently sent nothing shows. The bare servers are only run without
observers: the full modes are compared with them.

Targets: with the logging observer, WSGI >= 90 % and Thrift >= 80 % of the bare server's
requests per second; with every observer (either full mode) as configured by default, >= 85 %
of the bare server without observers. (Tracing every request costs more, mostly in encoding
and exporting ten times as many spans; ``--sample-rate 100%`` shows how much.)

Needs Linux, ``wrk`` (``tools/install-bench-deps.sh``), and baseplate-serve, baseplate-pyramid
and baseplate-thrift installed. Run from anywhere:

    python benchmarks/bench_serve_load.py [--duration 10] [--connections 16] [--repeat 3]
        [--protocol wsgi|thrift|both] [--observers none,logging,all,sidecar]
        [--sample-rate 100%] [--omit metrics,tracing,sentry]

``--omit`` leaves observers out of the full modes, to see what each one costs under load.

The machine's other load counts: run it on an otherwise idle machine for numbers to compare.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent

#: The servers compared. "bare+nodelay" is the bare server with TCP_NODELAY set on accepted
#: sockets, as baseplate-serve does: without it gevent.pywsgi waits for the client's delayed
#: ACK (about 40 ms) on keep-alive requests, so plain "bare" is no fair baseline for HTTP.
KINDS = ("bare", "bare+nodelay", "baseplate-serve")

#: Observer modes: none, the logging observer, or every observer (baseplate-serve only).
MODES = ("none", "logging", "all", "sidecar")
MODE_LABELS = {
    "none": "no observers",
    "logging": "logging observer",
    "all": "all observers",
    "sidecar": "all, sidecar tracing",
}
#: The modes with every observer, exporting to the sinks; compared with the bare servers
#: without observers.
FULL_MODES = ("all", "sidecar")
#: The least share of the bare server's req/s each mode should keep, per protocol.
TARGETS = {("wsgi", "logging"): 0.90, ("thrift", "logging"): 0.80}
TARGETS.update({(protocol, mode): 0.85 for protocol in ("wsgi", "thrift") for mode in FULL_MODES})

WRK_SCRIPT = textwrap.dedent(
    """
    -- Count responses per wrk thread; with as many threads as connections, each thread's
    -- count is one connection's count.
    local threads = {}

    function setup(thread)
        table.insert(threads, thread)
    end

    function init(args)
        responses = 0
    end

    function response(status, headers, body)
        responses = responses + 1
    end

    function done(summary, latency, requests)
        local counts = {}
        for _, thread in ipairs(threads) do
            table.insert(counts, tostring(thread:get("responses")))
        end
        io.write("BENCH-JSON {")
        io.write(string.format('"requests": %d, ', summary.requests))
        io.write(string.format('"errors": %d, ', summary.errors.status + summary.errors.read
            + summary.errors.write + summary.errors.connect + summary.errors.timeout))
        io.write(string.format('"duration_us": %d, ', summary.duration))
        io.write(string.format('"p50_us": %d, ', latency:percentile(50)))
        io.write(string.format('"p99_us": %d, ', latency:percentile(99)))
        io.write('"per_connection": [' .. table.concat(counts, ", ") .. ']}\\n')
    end
    """
)

LOGGING_SECTIONS = textwrap.dedent(
    """
    [loggers]
    keys = root

    [handlers]
    keys = stderr

    [formatters]
    keys = plain

    [logger_root]
    level = WARNING
    handlers = stderr

    [handler_stderr]
    class = StreamHandler
    args = (sys.stderr,)
    formatter = plain

    [formatter_plain]
    format = %(process)s:%(threadName)s:%(name)s:%(levelname)s:%(message)s
    """
)


# --- modes run in child processes -------------------------------------------------------------


def _set_no_delay(sock: Any) -> None:
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def run_bare_wsgi(port: int, logging_observer: bool, no_delay: bool) -> None:
    from gevent import monkey

    monkey.patch_all()
    import logging

    from gevent.pywsgi import WSGIServer

    class Server(WSGIServer):
        def handle(self, sock: Any, address: Any) -> None:
            if no_delay:
                _set_no_delay(sock)
            super().handle(sock, address)

    sys.path.append(str(REPO_ROOT))
    from examples.wsgi_service.app import make_app

    logging.basicConfig(level=logging.WARNING)
    app = make_app({"observers.enabled": str(logging_observer).lower()})
    server = Server(("127.0.0.1", port), app, log=None)
    server.serve_forever()


def run_bare_thrift(port: int, logging_observer: bool, no_delay: bool) -> None:
    from gevent import monkey

    monkey.patch_all()
    import logging

    from gevent.server import StreamServer
    from thrift.transport.TSocket import TSocket
    from thrift.transport.TTransport import TBufferedTransport, TTransportException

    from baseplate.integration.thrift import server_protocol_factory

    sys.path.append(str(REPO_ROOT))
    from examples.thrift_service.service import make_processor

    logging.basicConfig(level=logging.WARNING)
    processor = make_processor({"observers.enabled": str(logging_observer).lower()})
    factory = server_protocol_factory()

    def handle(sock: Any, address: Any) -> None:
        if no_delay:
            _set_no_delay(sock)
        client = TSocket()
        client.setHandle(sock)
        transport = TBufferedTransport(client)
        protocol = factory.getProtocol(transport)
        try:
            while True:
                processor.process(protocol, protocol)
        except (TTransportException, EOFError, OSError):
            pass
        finally:
            transport.close()

    StreamServer(("127.0.0.1", port), handle).serve_forever()


def run_thrift_client(port: int, duration: float, connections: int) -> None:
    """Drive the Thrift server with ``connections`` THeader connections; print JSON stats."""
    from gevent import monkey

    monkey.patch_all()
    import gevent
    from thrift.protocol.THeaderProtocol import THeaderProtocolFactory
    from thrift.transport.TSocket import TSocket

    sys.path.append(str(REPO_ROOT))
    from examples.thrift_service.example_thrift import ExampleService

    counts = [0] * connections
    latencies: list[float] = []
    errors = [0]
    deadline = time.monotonic() + duration

    def drive(index: int) -> None:
        sock = TSocket("127.0.0.1", port)
        sock.setTimeout(10_000)
        client = ExampleService.Client(THeaderProtocolFactory().getProtocol(sock))
        sock.open()
        try:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    client.greet("bench")
                except Exception:
                    errors[0] += 1
                    return
                latencies.append(time.perf_counter() - started)
                counts[index] += 1
        finally:
            sock.close()

    started = time.monotonic()
    gevent.joinall([gevent.spawn(drive, i) for i in range(connections)], timeout=duration + 30)
    elapsed = time.monotonic() - started
    latencies.sort()

    def percentile(fraction: float) -> float:
        if not latencies:
            return 0.0
        return latencies[min(len(latencies) - 1, int(fraction * len(latencies)))]

    print(
        "BENCH-JSON "
        + json.dumps(
            {
                "requests": sum(counts),
                "errors": errors[0],
                "duration_us": int(elapsed * 1e6),
                "p50_us": int(percentile(0.50) * 1e6),
                "p99_us": int(percentile(0.99) * 1e6),
                "per_connection": counts,
            }
        )
    )


# --- the sinks of the "all" observer mode ------------------------------------------------------


class _Sink(http.server.ThreadingHTTPServer):
    """An HTTP server in a thread of its own answering every POST with ``status``.

    Counts the POSTs and, for a batch of spans (a JSON array), the spans, cheaply: the sinks
    share the machine with the server and the load generator.
    """

    daemon_threads = True

    def __init__(self, status: int) -> None:
        self.posts = 0
        self.items = 0
        self.bad = 0
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real collector

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                items = 0
                if self.path == "/api/v1/spans":
                    if body.startswith(b"[") and body.endswith(b"]"):
                        items = body.count(b'"traceId":')
                    else:
                        sink.bad += 1
                sink.posts += 1
                sink.items += items
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.port = int(self.server_address[1])
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.shutdown()
        self._thread.join(timeout=15)
        self.server_close()


#: The sidecar mode's span queue: as many messages as this user's RLIMIT_MSGQUEUE allows at
#: this message size (spans of the example services are under 400 bytes), at most the
#: recorder's default of 10,000. The default 10,000 x 100 KiB queue needs raised limits.
SIDECAR_MESSAGE_SIZE = 1024
#: What the kernel charges per queued message beyond its payload (message and tree nodes).
_MQUEUE_MESSAGE_OVERHEAD = 112


def _sidecar_queue(name: str) -> Any:
    """Create the sidecar mode's queue, raising fs.mqueue.msg_max first if needed (root)."""
    import resource

    from baseplate.message_queue import MessageQueue

    budget = resource.getrlimit(resource.RLIMIT_MSGQUEUE)[0]
    if budget == resource.RLIM_INFINITY:
        budget = 10_000 * (SIDECAR_MESSAGE_SIZE + _MQUEUE_MESSAGE_OVERHEAD)
    messages = min(10_000, budget // (SIDECAR_MESSAGE_SIZE + _MQUEUE_MESSAGE_OVERHEAD))
    msg_max = Path("/proc/sys/fs/mqueue/msg_max")
    if int(msg_max.read_text()) < messages:
        try:
            msg_max.write_text(str(messages))
        except OSError as exc:
            raise SystemExit(
                f"the sidecar mode needs fs.mqueue.msg_max >= {messages} (now "
                f"{msg_max.read_text().strip()}) and could not raise it: {exc}"
            ) from None
    # The server and the publisher open this queue by name; the sizes given here apply
    # because this call creates it.
    return MessageQueue(f"/traces-{name}", messages, SIDECAR_MESSAGE_SIZE)


class Sinks:
    """What the full modes' exporters send to: statsd (UDP), a trace collector, Sentry.

    With ``tracing="sidecar"`` spans go through a POSIX queue to the trace publisher sidecar,
    run here as a process of its own, which posts them to the same collector.
    """

    def __init__(
        self,
        tracing: str = "remote",
        workdir: Path | None = None,
        sample_rate: str | None = None,
        omit: frozenset[str] = frozenset(),
    ) -> None:
        self.sample_rate = sample_rate
        self.omit = omit
        self.statsd = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.statsd.bind(("127.0.0.1", 0))
        self.statsd.settimeout(0.2)
        self.datagrams = 0
        self.metric_lines = 0
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read_statsd, daemon=True)
        self._reader.start()
        self.collector = _Sink(202)
        self.sentry = _Sink(200)
        self.queue: Any = None
        self.publisher: subprocess.Popen[Any] | None = None
        if tracing == "sidecar":
            assert workdir is not None
            self.queue_name = f"bench-{os.getpid()}"
            self.queue = _sidecar_queue(self.queue_name)
            config = workdir / "publisher.ini"
            config.write_text(
                f"[trace-publisher:{self.queue_name}]\n"
                f"zipkin_api_url = http://127.0.0.1:{self.collector.port}/api/v1\n"
            )
            self.publisher = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [
                    sys.executable,
                    "-m",
                    "baseplate.diagnostics.tracing.publisher",
                    str(config),
                    "--queue-name",
                    self.queue_name,
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )

    def _read_statsd(self) -> None:
        while not self._stop.is_set():
            try:
                payload = self.statsd.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            self.datagrams += 1
            self.metric_lines += payload.count(b"\n") + 1

    def settings(self) -> str:
        """The [app:main] lines configuring every observer (but the omitted) to send here."""
        statsd_port = self.statsd.getsockname()[1]
        settings = {
            "metrics": f"metrics.namespace = bench\nmetrics.endpoint = 127.0.0.1:{statsd_port}\n",
            "tracing": (
                "tracing.service_name = bench\n"
                + (
                    f"tracing.sample_rate = {self.sample_rate}\n"
                    if self.sample_rate is not None
                    else ""
                )
                + (
                    f"tracing.queue_name = {self.queue_name}\n"
                    if self.queue is not None
                    else f"tracing.endpoint = 127.0.0.1:{self.collector.port}\n"
                )
            ),
            "sentry": f"sentry.dsn = http://public@127.0.0.1:{self.sentry.port}/1\n",
        }
        return "".join(text for name, text in settings.items() if name not in self.omit)

    def summary(self) -> dict[str, int]:
        return {
            "datagrams": self.datagrams,
            "metric_lines": self.metric_lines,
            "span_posts": self.collector.posts,
            "spans": self.collector.items,
            "bad_span_posts": self.collector.bad,
            "sentry_posts": self.sentry.posts,
        }

    def cpu_seconds(self) -> float:
        """CPU time the sinks used so far: this process's threads and the publisher's."""
        own = time.process_time()
        return own + (cpu_seconds(self.publisher.pid) if self.publisher is not None else 0.0)

    def close(self) -> str:
        """Stop every sink; return what the publisher, if any, wrote to stderr."""
        publisher_log = ""
        if self.publisher is not None:
            publisher_log = stop_server(self.publisher)
        if self.queue is not None:
            self.queue.unlink()
            self.queue.close()
        self._stop.set()
        self._reader.join(timeout=15)
        self.statsd.close()
        self.collector.close()
        self.sentry.close()
        return publisher_log


# --- the harness ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[Any], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not listen on port {port} within {timeout} s")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    # After the command name: state is field 3, so utime (14) and stime (15) are at 11 and 12.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(
    protocol: str, kind: str, mode: str, workdir: Path, sinks: Sinks | None = None
) -> tuple[subprocess.Popen[Any], int]:
    port = free_port()
    logging_observer = mode != "none"
    if kind.startswith("bare"):
        if mode in FULL_MODES:
            raise ValueError("the bare servers run without observers or with logging only")
        mode = "bare-wsgi" if protocol == "wsgi" else "bare-thrift"
        args = [
            sys.executable,
            __file__,
            mode,
            str(port),
            "--logging-observer",
            str(logging_observer),
        ]
        if kind == "bare+nodelay":
            args.append("--no-delay")
    else:
        factory = (
            "examples.wsgi_service.app:make_app"
            if protocol == "wsgi"
            else "examples.thrift_service.service:make_processor"
        )
        config = workdir / f"{protocol}-{mode}.ini"
        observer = str(logging_observer).lower()
        exporters = sinks.settings() if mode in FULL_MODES and sinks is not None else ""
        config.write_text(
            f"[app:main]\nfactory = {factory}\nobservers.enabled = {observer}\n{exporters}\n"
            f"[server:main]\nfactory = baseplate.server.{protocol}\nstop_timeout = 5 seconds\n\n"
            + LOGGING_SECTIONS
        )
        args = [
            sys.executable,
            "-m",
            "baseplate.server",
            str(config),
            "--bind",
            f"127.0.0.1:{port}",
        ]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        args, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for_port(port, process)
    except BaseException:
        stop_server(process)
        raise
    return process, port


def stop_server(process: subprocess.Popen[Any]) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
    assert process.stderr is not None
    return process.stderr.read()


def drive(
    protocol: str, port: int, duration: float, connections: int, script: Path
) -> dict[str, Any]:
    if protocol == "wsgi":
        args = [
            "wrk",
            f"-t{connections}",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}/hello?name=bench",
        ]
    else:
        args = [
            sys.executable,
            __file__,
            "thrift-client",
            str(port),
            "--duration",
            str(duration),
            "--connections",
            str(connections),
        ]
    result = subprocess.run(  # noqa: S603 - wrk or our own interpreter, arguments we built
        args, capture_output=True, text=True, timeout=duration + 60, check=True
    )
    for line in result.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            return dict(json.loads(line[len("BENCH-JSON ") :]))
    raise RuntimeError(f"no result from the load generator:\n{result.stdout}\n{result.stderr}")


def measure(
    protocol: str,
    kind: str,
    mode: str,
    args: argparse.Namespace,
    workdir: Path,
    script: Path,
) -> dict[str, Any]:
    sinks = None
    if mode in FULL_MODES:
        sinks = Sinks(
            "sidecar" if mode == "sidecar" else "remote", workdir, args.sample_rate, args.omit
        )
    sink_cpu = 0.0
    publisher_log = ""
    try:
        process, port = start_server(protocol, kind, mode, workdir, sinks)
        try:
            drive(protocol, port, args.warmup, args.connections, script)
            cpu_before = cpu_seconds(process.pid)
            sink_cpu_before = sinks.cpu_seconds() if sinks is not None else 0.0
            stats = drive(protocol, port, args.duration, args.connections, script)
            if sinks is not None:
                sink_cpu = sinks.cpu_seconds() - sink_cpu_before
            cpu_after = cpu_seconds(process.pid)
        finally:
            stderr = stop_server(process)
    finally:
        if sinks is not None:
            publisher_log = sinks.close()
    if ":WARNING:" in publisher_log or ":ERROR:" in publisher_log:
        print(f"  the trace publisher logged:\n{publisher_log[-2000:]}", file=sys.stderr)
    if stats["errors"]:
        print(
            f"  warning: {stats['errors']} errors; server stderr:\n{stderr[-2000:]}",
            file=sys.stderr,
        )
    # Root level is WARNING: anything logged is worth seeing (e.g. dropped spans or metrics).
    warnings = [line for line in stderr.splitlines() if ":WARNING:" in line or ":ERROR:" in line]
    if warnings:
        print(
            f"  server logged {len(warnings)} warning(s)/error(s), e.g.:\n  "
            + "\n  ".join(warnings[:5]),
            file=sys.stderr,
        )
    seconds = stats["duration_us"] / 1e6
    per_connection = stats["per_connection"]
    mean = statistics.fmean(per_connection) if per_connection else 0.0
    return {
        "rps": stats["requests"] / seconds,
        "p50_ms": stats["p50_us"] / 1000,
        "p99_ms": stats["p99_us"] / 1000,
        "cpu_us": (cpu_after - cpu_before) / max(stats["requests"], 1) * 1e6,
        "errors": stats["errors"],
        "conn_min": min(per_connection) if per_connection else 0,
        "conn_max": max(per_connection) if per_connection else 0,
        "conn_cv": (statistics.pstdev(per_connection) / mean) if mean else 0.0,
        "warnings": len(warnings),
        "sinks": sinks.summary() if sinks is not None else None,
        "sink_cpu_us": sink_cpu / max(stats["requests"], 1) * 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per server")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--protocol", choices=["wsgi", "thrift", "both"], default="both")
    parser.add_argument(
        "--observers",
        type=_modes,
        default=list(MODES),
        help="comma-separated observer modes to measure baseplate-serve with: none, logging "
        "(the logging observer), all (every observer, exporting to local sinks; spans over "
        "HTTP from the server) and sidecar (the same, spans through the trace publisher "
        "sidecar); the bare servers run with none (and logging when asked for) "
        "(default: none,logging,all,sidecar)",
    )
    parser.add_argument(
        "--sample-rate",
        default=None,
        help="tracing.sample_rate of the full modes (default: not set, so the framework's 10%%)",
    )
    parser.add_argument(
        "--omit",
        type=_observer_names,
        default=frozenset(),
        help="comma-separated observers to leave out of the full modes (metrics, tracing, "
        "sentry), to see what each one costs (default: none left out)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run every setup this many times, interleaved, and keep each one's fastest run "
        "(the one least disturbed by other load on the machine)",
    )
    # `nox -s bench` passes the same options to every benchmark; ignore the others' options.
    args, ignored = parser.parse_known_args()
    if ignored:
        print(f"bench_serve_load: ignoring options {ignored}", file=sys.stderr)
    protocols = ["wsgi", "thrift"] if args.protocol == "both" else [args.protocol]
    if "wsgi" in protocols and shutil.which("wrk") is None:
        if args.protocol == "wsgi":
            raise SystemExit("wrk is not installed: run tools/install-bench-deps.sh")
        print(
            "bench_serve_load: wrk is not installed (tools/install-bench-deps.sh); "
            "measuring Thrift only",
            file=sys.stderr,
        )
        protocols = ["thrift"]
    setups = _setups(args.observers)
    results: dict[tuple[str, str, str], dict[str, Any]] = {}
    # Every run, per round: the machine's speed drifts over minutes, so a setup is also
    # compared with the bare server of its own round (see _paired_ratio).
    runs: list[dict[tuple[str, str, str], dict[str, Any]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        script = workdir / "count.lua"
        script.write_text(WRK_SCRIPT)
        for round_number in range(1, args.repeat + 1):
            runs.append({})
            for protocol in protocols:
                for mode, kind in setups:
                    label = f"{protocol}/{kind}/{mode} (round {round_number})"
                    print(f"running {label} ...", file=sys.stderr, flush=True)
                    row = measure(protocol, kind, mode, args, workdir, script)
                    key = (protocol, mode, kind)
                    runs[-1][key] = row
                    if key not in results or row["rps"] > results[key]["rps"]:
                        results[key] = row

    header = (
        f"{'setup':<44} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'CPU us/req':>10} "
        f"{'vs bare':>8} {'CPU vs bare':>11} {'paired':>7} {'per-conn min/max (CV)':>24}"
    )
    print(
        f"{args.connections} connections, {args.duration:g} s per run, best of {args.repeat}; "
        f"load generator on the same machine; tracing.sample_rate "
        f"{args.sample_rate or 'not set (10%)'}"
        + (f"; full modes without {', '.join(sorted(args.omit))}" if args.omit else "")
    )
    print(header)
    print("-" * len(header))
    for (protocol, mode, kind), row in results.items():
        bare = _baseline(results, protocol, mode)
        spread = f"{row['conn_min']}/{row['conn_max']} ({row['conn_cv']:.2f})"
        print(
            f"{protocol + ' ' + kind + ', ' + MODE_LABELS[mode]:<44} {row['rps']:>8.0f} "
            f"{row['p50_ms']:>7.2f} {row['p99_ms']:>7.2f} {row['cpu_us']:>10.0f} "
            f"{row['rps'] / bare['rps']:>8.1%} {row['cpu_us'] / bare['cpu_us']:>11.1%} "
            f"{_paired_ratio(runs, protocol, mode, kind):>7.1%} {spread:>24}"
        )
    print(
        "'vs bare' compares with the faster of the two bare servers, with the same observers "
        "(without observers for the full modes); each setup's fastest run with theirs. "
        "'paired' is the median, over the rounds, of the setup's req/s divided by the faster "
        "bare server's in the same round: the figure least moved by the machine's drift."
    )
    for protocol, mode in [(p, m) for p in protocols for m in FULL_MODES]:
        row = results.get((protocol, mode, "baseplate-serve"))
        if row is not None and row["sinks"] is not None:
            sinks = row["sinks"]
            print(
                f"{protocol} {MODE_LABELS[mode]}, fastest run: statsd sink got "
                f"{sinks['datagrams']} "
                f"datagrams ({sinks['metric_lines']} lines); collector got {sinks['spans']} "
                f"spans in {sinks['span_posts']} POSTs ({sinks['bad_span_posts']} unreadable); "
                f"sentry sink got {sinks['sentry_posts']} POSTs; the sinks used "
                f"{row['sink_cpu_us']:.0f} us of CPU per request; server logged "
                f"{row['warnings']} warning(s)"
            )
    for (protocol, mode), target in TARGETS.items():
        if (protocol, mode, "baseplate-serve") in results:
            bare = _baseline(results, protocol, mode)
            ratio = results[(protocol, mode, "baseplate-serve")]["rps"] / bare["rps"]
            paired = _paired_ratio(runs, protocol, mode, "baseplate-serve")
            verdict = "meets" if min(ratio, paired) >= target else "MISSES"
            print(
                f"{protocol}: {ratio:.1%} (fastest runs), {paired:.1%} (paired median) of the "
                f"bare server's req/s with "
                f"{'the logging observer' if mode == 'logging' else MODE_LABELS[mode]} "
                f"({verdict} the {target:.0%} target)"
            )


def _observer_names(text: str) -> frozenset[str]:
    names = frozenset(name.strip() for name in text.split(",") if name.strip())
    unknown = sorted(names - {"metrics", "tracing", "sentry"})
    if unknown:
        raise argparse.ArgumentTypeError(
            f"expected a comma-separated list of metrics, tracing, sentry, got {text!r}"
        )
    return names


def _modes(text: str) -> list[str]:
    modes = [mode.strip() for mode in text.split(",") if mode.strip()]
    unknown = sorted(set(modes) - set(MODES))
    if unknown or not modes:
        raise argparse.ArgumentTypeError(
            f"expected a comma-separated list of {', '.join(MODES)}, got {text!r}"
        )
    return [mode for mode in MODES if mode in modes]


def _setups(modes: list[str]) -> list[tuple[str, str]]:
    """(mode, kind) pairs to run: bare servers only without observers or with logging."""
    setups = []
    for mode in MODES:
        # The full modes are compared with the bare servers without observers.
        bare_needed = mode in modes or (mode == "none" and bool(set(FULL_MODES) & set(modes)))
        for kind in KINDS:
            if kind.startswith("bare"):
                if bare_needed and mode not in FULL_MODES:
                    setups.append((mode, kind))
            elif mode in modes:
                setups.append((mode, kind))
    return setups


def _paired_ratio(
    runs: list[dict[tuple[str, str, str], dict[str, Any]]], protocol: str, mode: str, kind: str
) -> float:
    """The median over rounds of a setup's req/s over the faster bare server's that round."""
    return statistics.median(
        run[(protocol, mode, kind)]["rps"] / _baseline(run, protocol, mode)["rps"] for run in runs
    )


def _baseline(
    results: dict[tuple[str, str, str], dict[str, Any]], protocol: str, mode: str
) -> dict[str, Any]:
    bare_mode = "none" if mode in FULL_MODES else mode
    candidates = [results[(protocol, bare_mode, kind)] for kind in KINDS if kind.startswith("bare")]
    return max(candidates, key=lambda row: row["rps"])


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("bare-wsgi", "bare-thrift", "thrift-client"):
        child = argparse.ArgumentParser()
        child.add_argument("mode")
        child.add_argument("port", type=int)
        child.add_argument("--logging-observer", default="False")
        child.add_argument("--no-delay", action="store_true")
        child.add_argument("--duration", type=float, default=10.0)
        child.add_argument("--connections", type=int, default=16)
        options = child.parse_args()
        if options.mode == "bare-wsgi":
            run_bare_wsgi(options.port, options.logging_observer == "True", options.no_delay)
        elif options.mode == "bare-thrift":
            run_bare_thrift(options.port, options.logging_observer == "True", options.no_delay)
        else:
            run_thrift_client(options.port, options.duration, options.connections)
    else:
        main()
