"""Cost of one request's span lifecycle, without observers and with the metrics observer.

Each iteration does what an integration and a handler do for a request that makes one
client call: ``make_server_span`` on a fresh RequestContext, start it, make, start and
finish one child span, then finish the server span. With the metrics observer, the request's
batch (two timers, two counters) is sent to a real UDP socket on the loopback interface;
nothing reads that socket, so once its buffer is full the kernel drops the datagrams, which
costs the sender the same system call.

For reference it also measures the metrics observer with a client that discards metrics
(everything but the system call) and the bare ``send`` of a same-sized datagram.

Uses only the standard library (timeit); prints the best of several repeats, in
microseconds per iteration. Run: ``python benchmarks/bench_observers_metrics.py``.
"""

from __future__ import annotations

import argparse
import socket
from collections.abc import Callable

from _timing import best_microseconds, request_lifecycle

from baseplate.config import Endpoint
from baseplate.core import Baseplate
from baseplate.metrics import make_client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20_000, help="iterations per repeat")
    parser.add_argument("--repeat", type=int, default=15, help="repeats (the best is kept)")
    args = parser.parse_args()

    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    port = sink.getsockname()[1]

    plain = Baseplate()
    with_udp = Baseplate()
    with_udp.configure_metrics(make_client("myservice", Endpoint(f"127.0.0.1:{port}")))
    with_buffered = Baseplate()
    with_buffered.configure_metrics(
        make_client("myservice", Endpoint(f"127.0.0.1:{port}"), flush_interval=0.1)
    )
    with_discard = Baseplate()
    with_discard.configure_metrics(make_client("myservice", None))

    raw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    raw.setblocking(False)
    raw.connect(("127.0.0.1", port))
    payload = (
        b"myservice.clients.redis.get:0.002403|ms\nmyservice.server.do_something:0.037606|ms\n"
        b"myservice.clients.redis.get.success:1|c\nmyservice.server.do_something.success:1|c"
    )

    cases: dict[str, Callable[[], None]] = {
        "(a) no observers": request_lifecycle(plain),
        "(b) metrics observer, UDP sent per request": request_lifecycle(with_udp),
        "(c) metrics observer, background flusher": request_lifecycle(with_buffered),
        "    metrics observer, discarding client": request_lifecycle(with_discard),
        "    bare UDP send of the same payload": lambda: raw.send(payload) and None,
    }
    print(f"best of {args.repeat} x {args.number} iterations, microseconds per iteration")
    for label, function in cases.items():
        print(f"{label:42s} {best_microseconds(function, args.number, args.repeat):7.2f}")
    raw.close()
    sink.close()


if __name__ == "__main__":
    main()
