"""Cost of one request's span lifecycle, without observers and with the Sentry observer.

Each iteration does what an integration and a handler do for a request:
``make_server_span`` on a fresh RequestContext, start it, set two ``http.*`` tags and one
other tag, add one log entry, then finish the server span. With the Sentry observer, that
means making the request's ``context.sentry`` reporter and keeping the tags and the
breadcrumb; a request without an exception sends nothing. The client's DSN points at a
listening socket on the loopback interface that never answers.

For reference it also measures a request that ends with an exception, whose report is
built on the request path (stack frames, local variables, serialization) and handed to
sentry-sdk; the client there has a blank DSN, so no network worker competes for the CPU. The
last case is the example Pyramid service's ``GET /fail`` called through its WSGI app, with and
without error reporting (to the DSN that never answers, so sentry-sdk prepares and queues each
event as it would in production): a realistic stack of a dozen frames through Pyramid.

Uses only the standard library (timeit); prints the best of several repeats, in
microseconds per iteration. Run: ``python benchmarks/bench_observers_sentry.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import socket
import sys
from collections.abc import Callable
from pathlib import Path

from _timing import best_microseconds

from baseplate.core import Baseplate, RequestContext
from baseplate.diagnostics.sentry import SentryBaseplateObserver, error_reporter_from_config


def request_lifecycle(baseplate: Baseplate, fail: bool = False) -> Callable[[], None]:
    def one_request() -> None:
        context = RequestContext()
        span = baseplate.make_server_span(context, "do_something")
        span.start()
        span.set_tag("http.url", "/widgets/7")
        span.set_tag("http.method", "GET")
        span.set_tag("peer.ipv4", "127.0.0.1")
        span.log("cache.miss", {"key": "widget:7"})
        if fail:
            try:
                raise ValueError("benchmark")
            except ValueError as exc:
                span.finish((ValueError, exc, exc.__traceback__))
        else:
            span.finish()

    return one_request


def example_fail(app_config: dict[str, str]) -> Callable[[], None]:
    """``GET /fail`` on the example Pyramid service, called through its WSGI app."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from examples.wsgi_service.app import make_app
    from webob import Request

    app = make_app(app_config)

    def one_request() -> None:
        # The server logs the escaping exception and answers 500.
        with contextlib.suppress(RuntimeError):
            Request.blank("/fail").get_response(app)

    return one_request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20_000, help="iterations per repeat")
    parser.add_argument("--repeat", type=int, default=15, help="repeats (the best is kept)")
    args = parser.parse_args()

    listener = socket.create_server(("127.0.0.1", 0))  # never accepted, never answered
    dsn = f"http://publickey@127.0.0.1:{listener.getsockname()[1]}/42"
    client = error_reporter_from_config({"sentry.dsn": dsn}, __name__, environ={})
    blank = error_reporter_from_config({"sentry.dsn": ""}, __name__, environ={})

    plain = Baseplate()
    with_sentry = Baseplate()
    with_sentry.register(SentryBaseplateObserver(client, gevent_hook=False))
    failing = Baseplate()
    failing.register(SentryBaseplateObserver(blank, gevent_hook=False))

    cases: dict[str, tuple[Callable[[], None], int]] = {
        "(a) no observers": (request_lifecycle(plain), args.number),
        "(b) sentry observer, no exception": (request_lifecycle(with_sentry), args.number),
        "    sentry observer, exception reported": (
            request_lifecycle(failing, fail=True),
            max(1, args.number // 20),
        ),
        "    example GET /fail, no error reporting": (
            example_fail({}),
            max(1, args.number // 20),
        ),
        "    example GET /fail, reported": (
            example_fail({"sentry.dsn": dsn}),
            max(1, args.number // 100),
        ),
    }
    logging.disable(logging.CRITICAL)  # the example logs each failure: not what is measured
    print(f"best of {args.repeat} repeats, microseconds per iteration")
    for label, (function, number) in cases.items():
        print(f"{label:42s} {best_microseconds(function, number, args.repeat):9.2f}")
    client.close(timeout=0)
    blank.close(timeout=0)
    listener.close()


if __name__ == "__main__":
    main()
