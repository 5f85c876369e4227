"""In-process cost of one Thrift call through the example service, per observer setup.

Each iteration hands the example processor (``examples/thrift_service``, built by its own
``make_processor`` from a config dict) one serialized THeader ``greet`` request in a memory
buffer and lets it decode the call, run the handler (which makes one local child span),
and encode the answer: the whole server-side work of a call but the socket I/O. Setups:

* ``none``: ``observers.enabled = false``;
* ``logging``: the logging observer only;
* ``metrics``: logging + metrics to a UDP socket this script binds (what the background
  flusher holds is formatted and sent every 500 calls, as the flusher would under load);
* ``tracing``: logging + tracing at 100 % with no recorder configured (spans are made and
  handed to the logging recorder, which drops them: the observers' cost without export);
* ``sentry``: logging + error reporting (a DSN nobody listens on; nothing fails);
* ``all``: all of the above together;
* ``all-10%``: the same with tracing at its default sample rate, 10 %;
* ``none-apache``: as ``none``, but decoding and encoding with Apache Thrift's own
  ``THeaderProtocol`` instead of the server's (``baseplate.integration.thrift._header``):
  what that faster protocol saves.

Under load (``bench_serve_load.py``) the server spends roughly twice these figures per call,
the bare call as much as the observers, so the ratios between setups here predict the
throughput ratios there.
Each setup runs in a fresh interpreter. Prints CPU microseconds per call, best of several
repeats. Run from anywhere:
``python benchmarks/bench_thrift_call.py [--number 20000] [--repeat 5]``.

With ``--instructions`` it prints instead the machine instructions per call, counted by
valgrind's callgrind (``tools/install-bench-deps.sh`` installs valgrind): each setup runs
twice under callgrind, for 1,000 and 3,000 measured calls, and the difference is divided by
2,000, so start-up and imports cancel out. With string hashing and the sampling draws fixed,
the count repeats to within 0.1 % and does not move with the machine's speed or its other
load, so it compares changes made hours apart on a machine whose speed drifts.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from thrift.protocol.THeaderProtocol import THeaderProtocolFactory
from thrift.transport.TTransport import TMemoryBuffer

from baseplate.integration.thrift import server_protocol_factory

REPO_ROOT = Path(__file__).resolve().parent.parent
#: Calls between two drains of the metrics queue.
FLUSH_EVERY = 500


def request_bytes(example_service: Any) -> bytes:
    """One THeader-framed ``greet("bench")`` call, as a client writes it."""
    buffer = TMemoryBuffer()
    client = example_service.Client(THeaderProtocolFactory().getProtocol(buffer))
    client.send_greet("bench")
    return bytes(buffer.getvalue())


def setups(statsd_port: int) -> dict[str, dict[str, str]]:
    metrics = {
        "metrics.namespace": "bench",
        "metrics.endpoint": f"127.0.0.1:{statsd_port}",
        # This script drains the flusher's queue itself (see measure), at fixed points.
        "metrics.flush_interval": "1 hours",
    }
    tracing = {"tracing.service_name": "bench", "tracing.sample_rate": "100%"}
    sentry = {"sentry.dsn": "http://public@127.0.0.1:9/1"}
    return {
        "none": {"observers.enabled": "false"},
        "logging": {},
        "metrics": metrics,
        "tracing": tracing,
        "sentry": sentry,
        "all": {**metrics, **tracing, **sentry},
        "all-10%": {**metrics, **tracing, **sentry, "tracing.sample_rate": "10%"},
        "none-apache": {"observers.enabled": "false"},
    }


def measure(name: str, number: int, repeat: int) -> float:
    """CPU microseconds per call of setup ``name``, best of ``repeat`` runs of ``number``."""
    sys.path.insert(0, str(REPO_ROOT))
    from examples.thrift_service.example_thrift import ExampleService
    from examples.thrift_service.service import make_processor

    request = request_bytes(ExampleService)
    factory = (
        THeaderProtocolFactory(allowed_client_types=server_protocol_factory().allowed_client_types)
        if name == "none-apache"
        else server_protocol_factory()
    )
    statsd = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # bound, never read
    statsd.bind(("127.0.0.1", 0))
    processor = make_processor(dict(setups(statsd.getsockname()[1])[name]))
    random.seed(1)  # the same sampling draws in every run (counted instructions repeat)
    # The metrics flusher is a background thread that never runs in this loop: drain its
    # queue every FLUSH_EVERY calls instead, as it would under load, so the queue stays short.
    metrics_client = getattr(processor.baseplate, "metrics_client", None)
    flush = getattr(getattr(metrics_client, "transport", None), "flush", lambda: None)

    def call() -> None:
        protocol = factory.getProtocol(TMemoryBuffer(request))
        processor.process(protocol, protocol)

    def run(calls: int) -> None:
        for _ in range(calls // FLUSH_EVERY):
            for _ in range(FLUSH_EVERY):
                call()
            flush()

    run(2_000)
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        run(number)
        best = min(best, time.process_time() - started)
    statsd.close()
    return best / number * 1e6


def instructions(name: str) -> int:
    """Machine instructions per call of setup ``name``, counted by callgrind."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("valgrind is not installed: run tools/install-bench-deps.sh")
    totals = []
    with tempfile.TemporaryDirectory() as tmp:
        for number in (1_000, 3_000):
            result = subprocess.run(  # noqa: S603 - valgrind running this script
                [
                    valgrind,
                    "--tool=callgrind",
                    f"--callgrind-out-file={tmp}/callgrind.out",
                    sys.executable,
                    __file__,
                    *("--only", name, "--number", str(number), "--repeat", "1"),
                ],
                capture_output=True,
                text=True,
                check=True,
                # The same string hashes in every run: dict layouts, and so the count, repeat.
                env={**os.environ, "PYTHONHASHSEED": "0"},
            )
            found = re.search(r"Collected : (\d+)", result.stderr)
            if found is None:
                raise RuntimeError(f"no instruction count from callgrind:\n{result.stderr}")
            totals.append(int(found.group(1)))
    return (totals[1] - totals[0]) // 2_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20_000, help="calls per repeat")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count machine instructions per call with valgrind instead of timing",
    )
    parser.add_argument("--only", help=argparse.SUPPRESS)  # one setup, in this process
    # `nox -s bench` passes the same options to every benchmark; ignore the others' options.
    args, _ = parser.parse_known_args()
    if args.only:
        print(f"{measure(args.only, args.number, args.repeat):.2f}")
        return
    if args.instructions:
        print("machine instructions per call (callgrind), and the ratio to 'none'")
        # One setup per core at a time: callgrind is slow, and the counts do not depend on it.
        with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
            counts = dict(zip(setups(0), pool.map(instructions, setups(0)), strict=True))
        for name, count in counts.items():
            print(f"{name:<10} {count:>9,} {counts['none'] / count:7.1%}")
        return
    print(f"best of {args.repeat} x {args.number} calls, CPU microseconds per call")
    for name in setups(0):
        # A fresh interpreter per setup: nothing one setup made (clients, threads, caches)
        # can slow or speed up the next.
        result = subprocess.run(  # noqa: S603 - this script, with our own arguments
            [
                sys.executable,
                __file__,
                "--only",
                name,
                "--number",
                str(args.number),
                "--repeat",
                str(args.repeat),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        print(f"{name:<10} {float(result.stdout.split()[-1]):7.2f}")


if __name__ == "__main__":
    main()
