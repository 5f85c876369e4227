"""Cost of writing one small Thrift response to a gevent socket: ``sendall`` against ``send``.

The Thrift server's connection transport sends a response with one ``send`` call and uses
``sendall`` only for what that call left over. gevent's ``sendall`` asks the kernel for the
socket's send-buffer size (``getsockopt``) on every call before sending, so each response
costs a second system call. This measures both ways on a gevent socket pair: the server's
transport (``_ConnectionTransport.flush``) and a plain ``sock.sendall``, each followed by the
peer's ``recv`` of the 120 bytes (included in both figures).

Prints the best of several repeats, in microseconds per response. Needs gevent and
baseplate-serve with its thrift extra. Run: ``python benchmarks/bench_thrift_response_send.py``.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 - after monkey-patching, as baseplate-serve does
import socket  # noqa: E402
import timeit  # noqa: E402
from collections.abc import Callable  # noqa: E402

from baseplate.server.thrift import _ConnectionTransport  # noqa: E402

RESPONSE = b"x" * 120


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=50_000, help="responses per repeat")
    parser.add_argument("--repeat", type=int, default=5)
    # `nox -s bench` passes the same options to every benchmark; ignore the others' options.
    args, _ = parser.parse_known_args()

    ours, theirs = socket.socketpair()
    transport = _ConnectionTransport(ours)

    def with_sendall() -> None:
        ours.sendall(RESPONSE)
        theirs.recv(4096)

    def with_transport() -> None:
        transport.write(RESPONSE)
        transport.flush()
        theirs.recv(4096)

    cases: list[tuple[str, Callable[[], None]]] = [
        ("sock.sendall + peer recv", with_sendall),
        ("server transport flush + peer recv", with_transport),
    ]
    print(f"best of {args.repeat} x {args.number} responses, microseconds per response")
    for label, case in cases:
        best = min(timeit.repeat(case, number=args.number, repeat=args.repeat))
        print(f"{label:<40} {best / args.number * 1e6:6.2f}")
    ours.close()
    theirs.close()


if __name__ == "__main__":
    main()
