"""Helpers shared by the in-process observer benchmarks (not a benchmark itself).

The scripts import it as ``_timing``: Python puts a script's own folder first on sys.path.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable

from baseplate.core import Baseplate, RequestContext


def request_lifecycle(baseplate: Baseplate) -> Callable[[], None]:
    """One request that makes one client call: a server span and one started child span."""

    def one_request() -> None:
        span = baseplate.make_server_span(RequestContext(), "do_something")
        span.start()
        child = span.make_child("redis.get")
        child.start()
        child.finish()
        span.finish()

    return one_request


def best_microseconds(function: Callable[[], None], number: int, repeat: int) -> float:
    """Microseconds per call of ``function``: the best of ``repeat`` runs of ``number`` calls.

    One call first warms up caches (metric names, sockets) so they are not timed.
    """
    function()
    return min(timeit.repeat(function, number=number, repeat=repeat)) / number * 1e6
