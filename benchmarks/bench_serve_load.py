"""Benchmark: the example services under baseplate-serve against the same apps on bare gevent.

Four servers, each measured with no observers and with the logging observer:

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

Targets with the logging observer: WSGI >= 90 % and Thrift >= 80 % of the bare server's
requests per second.

Needs Linux, ``wrk`` (``tools/install-bench-deps.sh``), and baseplate-serve, baseplate-pyramid
and baseplate-thrift installed. Run from anywhere:

    python benchmarks/bench_serve_load.py [--duration 10] [--connections 16] [--repeat 3]

The machine's other load counts: run it on an otherwise idle machine for numbers to compare.
"""

from __future__ import annotations

import argparse
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
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent

#: The servers compared. "bare+nodelay" is the bare server with TCP_NODELAY set on accepted
#: sockets, as baseplate-serve does: without it gevent.pywsgi waits for the client's delayed
#: ACK (about 40 ms) on keep-alive requests, so plain "bare" is no fair baseline for HTTP.
KINDS = ("bare", "bare+nodelay", "baseplate-serve")

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
    app = make_app({"observers.logging": str(logging_observer).lower()})
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
    processor = make_processor({"observers.logging": str(logging_observer).lower()})
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
    protocol: str, kind: str, logging_observer: bool, workdir: Path
) -> tuple[subprocess.Popen[Any], int]:
    port = free_port()
    if kind.startswith("bare"):
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
        config = workdir / f"{protocol}-{logging_observer}.ini"
        observer = str(logging_observer).lower()
        config.write_text(
            f"[app:main]\nfactory = {factory}\nobservers.logging = {observer}\n\n"
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
    logging_observer: bool,
    args: argparse.Namespace,
    workdir: Path,
    script: Path,
) -> dict[str, Any]:
    process, port = start_server(protocol, kind, logging_observer, workdir)
    try:
        drive(protocol, port, args.warmup, args.connections, script)
        cpu_before = cpu_seconds(process.pid)
        stats = drive(protocol, port, args.duration, args.connections, script)
        cpu_after = cpu_seconds(process.pid)
    finally:
        stderr = stop_server(process)
    if stats["errors"]:
        print(
            f"  warning: {stats['errors']} errors; server stderr:\n{stderr[-2000:]}",
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
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per server")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--protocol", choices=["wsgi", "thrift", "both"], default="both")
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
    results: dict[tuple[str, bool, str], dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        script = workdir / "count.lua"
        script.write_text(WRK_SCRIPT)
        for round_number in range(1, args.repeat + 1):
            for protocol in protocols:
                for logging_observer in (False, True):
                    for kind in KINDS:
                        observers = "logging" if logging_observer else "none"
                        label = f"{protocol}/{kind}/{observers} (round {round_number})"
                        print(f"running {label} ...", file=sys.stderr, flush=True)
                        row = measure(protocol, kind, logging_observer, args, workdir, script)
                        key = (protocol, logging_observer, kind)
                        if key not in results or row["rps"] > results[key]["rps"]:
                            results[key] = row

    header = (
        f"{'setup':<44} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'CPU us/req':>10} "
        f"{'vs bare':>8} {'CPU vs bare':>11} {'per-conn min/max (CV)':>24}"
    )
    print(
        f"{args.connections} connections, {args.duration:g} s per run, best of {args.repeat}; "
        "load generator on the same machine"
    )
    print(header)
    print("-" * len(header))
    for (protocol, logging_observer, kind), row in results.items():
        bare = _baseline(results, protocol, logging_observer)
        observers = "logging observer" if logging_observer else "no observers"
        spread = f"{row['conn_min']}/{row['conn_max']} ({row['conn_cv']:.2f})"
        print(
            f"{protocol + ' ' + kind + ', ' + observers:<44} {row['rps']:>8.0f} "
            f"{row['p50_ms']:>7.2f} {row['p99_ms']:>7.2f} {row['cpu_us']:>10.0f} "
            f"{row['rps'] / bare['rps']:>8.1%} {row['cpu_us'] / bare['cpu_us']:>11.1%} {spread:>24}"
        )
    print("'vs bare' compares with the faster of the two bare servers.")
    for protocol, target in (("wsgi", 0.90), ("thrift", 0.80)):
        if (protocol, True, "bare") in results:
            bare = _baseline(results, protocol, True)
            ratio = results[(protocol, True, "baseplate-serve")]["rps"] / bare["rps"]
            verdict = "meets" if ratio >= target else "MISSES"
            print(
                f"{protocol}: {ratio:.1%} of the bare server's req/s with the logging observer "
                f"({verdict} the {target:.0%} target)"
            )


def _baseline(
    results: dict[tuple[str, bool, str], dict[str, Any]], protocol: str, logging_observer: bool
) -> dict[str, Any]:
    candidates = [
        results[(protocol, logging_observer, kind)] for kind in KINDS if kind.startswith("bare")
    ]
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
