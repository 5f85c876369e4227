"""In-process cost of one Thrift call through the example service, per observer setup.

Each iteration hands the example processor (``examples/thrift_service``, built by its own
``make_processor`` from a config dict) one serialized THeader ``greet`` request in a memory
buffer and lets it decode the call, run the handler (which makes one local child span),
and encode the answer: the whole server-side work of a call but the socket I/O. Setups:

* ``none``: ``observers.enabled = false``;
* ``logging``: the logging observer only;
* ``metrics``: logging + metrics to a UDP socket this script binds (default flusher);
* ``tracing``: logging + tracing at 100 % with no recorder configured (spans are made and
  handed to the null recorder: the observers' cost without export);
* ``sentry``: logging + error reporting (a DSN nobody listens on; nothing fails);
* ``all``: all of the above together.

The gap between these figures and the server's CPU per request under load
(``bench_serve_load.py``) is the part of an observer's cost that only shows under load.
Prints CPU microseconds per call, best of several repeats. Run from anywhere:
``python benchmarks/bench_thrift_call.py [--number 20000] [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from pathlib import Path
from typing import Any

from thrift.protocol.THeaderProtocol import THeaderProtocolFactory
from thrift.transport.TTransport import TMemoryBuffer

from baseplate.integration.thrift import server_protocol_factory

REPO_ROOT = Path(__file__).resolve().parent.parent


def request_bytes(example_service: Any) -> bytes:
    """One THeader-framed ``greet("bench")`` call, as a client writes it."""
    buffer = TMemoryBuffer()
    client = example_service.Client(THeaderProtocolFactory().getProtocol(buffer))
    client.send_greet("bench")
    return bytes(buffer.getvalue())


def setups(statsd_port: int) -> dict[str, dict[str, str]]:
    metrics = {"metrics.namespace": "bench", "metrics.endpoint": f"127.0.0.1:{statsd_port}"}
    tracing = {"tracing.service_name": "bench", "tracing.sample_rate": "100%"}
    sentry = {"sentry.dsn": "http://public@127.0.0.1:9/1"}
    return {
        "none": {"observers.enabled": "false"},
        "logging": {},
        "metrics": metrics,
        "tracing": tracing,
        "sentry": sentry,
        "all": {**metrics, **tracing, **sentry},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20_000, help="calls per repeat")
    parser.add_argument("--repeat", type=int, default=5)
    # `nox -s bench` passes the same options to every benchmark; ignore the others' options.
    args, _ = parser.parse_known_args()

    sys.path.insert(0, str(REPO_ROOT))
    from examples.thrift_service.example_thrift import ExampleService
    from examples.thrift_service.service import make_processor

    request = request_bytes(ExampleService)
    factory = server_protocol_factory()
    statsd = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # bound, never read
    statsd.bind(("127.0.0.1", 0))
    print(f"best of {args.repeat} x {args.number} calls, CPU microseconds per call")
    for name, app_config in setups(statsd.getsockname()[1]).items():
        processor = make_processor(dict(app_config))

        def call(processor: Any = processor) -> None:
            protocol = factory.getProtocol(TMemoryBuffer(request))
            processor.process(protocol, protocol)

        for _ in range(2_000):
            call()
        best = float("inf")
        for _ in range(args.repeat):
            started = time.process_time()
            for _ in range(args.number):
                call()
            best = min(best, time.process_time() - started)
        print(f"{name:<10} {best / args.number * 1e6:7.2f}")
    statsd.close()


if __name__ == "__main__":
    main()
