"""Cost of one request's span lifecycle with the tracing observer at 100% sampling.

Each iteration does what an integration and a handler do for a request that makes one
client call: ``make_server_span`` on a fresh RequestContext, start it, make, start and
finish one child span, then finish the server span. Every request is sampled, so both spans
are built as Zipkin JSON objects and encoded.

Cases:

* no observers, for reference;
* tracing into a bounded in-memory queue of encoded spans (everything but the I/O);
* tracing into the sidecar's real POSIX queue, drained by a separate reader process
  (``python -m baseplate.message_queue --read``), as in production;
* tracing + logging, and tracing + logging + metrics (metrics to a real UDP socket on the
  loopback interface that nobody reads: the kernel drops the datagrams once its buffer is
  full, which costs the sender the same system call);
* tracing at 0% sampling (requests not sampled);
* the "never in the way" cases: a remote recorder whose collector refuses connections,
  one whose collector never answers (its queue fills and spans are dropped), and the
  sidecar recorder on a full queue nobody drains.

Uses only the standard library (timeit) and the Baseplate packages; prints the best of
several repeats in microseconds per iteration. The numbers depend on the machine and on
whatever else runs on it. Run: ``python benchmarks/bench_observers_tracing.py``.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import importlib.util
import socket
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator

from _timing import best_microseconds, request_lifecycle

from baseplate.core import Baseplate
from baseplate.diagnostics.tracing import (
    Recorder,
    RemoteRecorder,
    SidecarRecorder,
    TracingClient,
    ZipkinSpan,
)
from baseplate.message_queue import MessageQueue


class EncodingRecorder(Recorder):
    """Encodes every span as the sidecar would and keeps the last few in a bounded deque."""

    def __init__(self) -> None:
        self.kept: collections.deque[bytes] = collections.deque(maxlen=1000)

    def send(self, span: ZipkinSpan) -> None:
        self.kept.append(span.to_json())


def traced(recorder: Recorder, sample_rate: float = 1.0, logging: bool = False) -> Baseplate:
    baseplate = Baseplate()
    if logging:
        baseplate.configure_logging()
    baseplate.configure_tracing(TracingClient("myservice", sample_rate, recorder))
    return baseplate


@contextlib.contextmanager
def trace_queue(drained: bool) -> Iterator[SidecarRecorder]:
    """A sidecar recorder on a fresh /traces-<name> queue, drained by a reader process."""
    name = f"bench-{uuid.uuid4().hex[:10]}"
    # The default system limits (10 messages of 8192 bytes) are enough for two small spans.
    queue = MessageQueue(f"/traces-{name}", 10, 8192)
    reader = None
    if drained:
        reader = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "baseplate.message_queue", queue.name, "--read"],
            stdout=subprocess.DEVNULL,
        )
    try:
        yield SidecarRecorder(name)
    finally:
        if reader is not None:
            reader.terminate()
            reader.wait(10)
        queue.unlink()
        queue.close()


def metrics_observer_available() -> bool:
    try:
        return importlib.util.find_spec("baseplate.diagnostics.metrics") is not None
    except ImportError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=10_000, help="iterations per repeat")
    parser.add_argument("--repeat", type=int, default=7, help="repeats (the best is kept)")
    args = parser.parse_args()

    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    blackhole = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(1)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        refused_port = probe.getsockname()[1]

    cases: dict[str, Callable[[], None]] = {
        "no observers": request_lifecycle(Baseplate()),
        "tracing 100%, in-memory encoding recorder": request_lifecycle(traced(EncodingRecorder())),
        "tracing 0% (not sampled)": request_lifecycle(traced(EncodingRecorder(), 0.0)),
        "tracing 100% + logging": request_lifecycle(traced(EncodingRecorder(), logging=True)),
    }
    if metrics_observer_available():
        from baseplate.config import Endpoint
        from baseplate.metrics import make_client

        endpoint = Endpoint(f"127.0.0.1:{sink.getsockname()[1]}")
        full = traced(EncodingRecorder(), logging=True)
        full.configure_metrics(make_client("myservice", endpoint))
        cases["tracing 100% + logging + metrics (UDP per request)"] = request_lifecycle(full)
        # What metrics_client_from_config builds by default: a background flusher.
        flushed = traced(EncodingRecorder(), logging=True)
        flushed.configure_metrics(make_client("myservice", endpoint, flush_interval=0.1))
        cases["tracing 100% + logging + metrics (flusher)"] = request_lifecycle(flushed)
    else:
        print("(baseplate-metrics is not installed: the metrics case is skipped)")

    remote_refused = RemoteRecorder(f"127.0.0.1:{refused_port}", max_queue_size=1000)
    remote_blackhole = RemoteRecorder(
        f"127.0.0.1:{blackhole.getsockname()[1]}", max_queue_size=1000, num_workers=1
    )
    print(f"best of {args.repeat} x {args.number} iterations, microseconds per iteration")
    with trace_queue(drained=True) as drained, trace_queue(drained=False) as full_queue:
        cases["tracing 100%, sidecar queue + reader process"] = request_lifecycle(traced(drained))
        cases["tracing 100%, sidecar queue full (dropping)"] = request_lifecycle(traced(full_queue))
        cases["tracing 100%, remote collector refusing"] = request_lifecycle(traced(remote_refused))
        cases["tracing 100%, remote collector black-holed"] = request_lifecycle(
            traced(remote_blackhole)
        )
        for label, function in cases.items():
            print(f"{label:48s} {best_microseconds(function, args.number, args.repeat):7.2f}")
        print(
            f"(dropped: drained sidecar queue {drained.dropped}, full sidecar queue "
            f"{full_queue.dropped}, refused collector "
            f"{remote_refused.dropped} + failed {remote_refused.failed}, black-holed "
            f"{remote_blackhole.dropped})"
        )
    remote_refused.shutdown(0.1)
    remote_blackhole.shutdown(0.1)
    blackhole.close()
    sink.close()


if __name__ == "__main__":
    main()
