"""Benchmark: one request's span lifecycle in-process, through baseplate-core alone.

Measures ``make_server_span`` + ``start`` + one child span (start/finish) + ``finish``, with 0,
1 and 3 observers registered (each registering a span observer on the server span and on every
child), and one context factory read in the request. Run with ``nox -s bench`` or directly:

    python benchmarks/bench_core_spans.py [pyperf options, e.g. --fast]
"""

from __future__ import annotations

from typing import Any

import pyperf

from baseplate.core import (
    Baseplate,
    BaseplateObserver,
    ContextFactory,
    RequestContext,
    ServerSpan,
    ServerSpanObserver,
    Span,
)


class _ChildObserver(ServerSpanObserver):
    __slots__ = ()


class _ServerObserver(ServerSpanObserver):
    __slots__ = ()

    def on_child_span_created(self, span: Span) -> None:
        span.register(_ChildObserver())


class _Observer(BaseplateObserver):
    def on_server_span_created(self, context: Any, server_span: ServerSpan) -> None:
        server_span.register(_ServerObserver())


class _Client:
    __slots__ = ("span",)

    def __init__(self, span: Span) -> None:
        self.span = span


class _Factory(ContextFactory):
    def make_object_for_context(self, name: str, span: Span) -> _Client:
        return _Client(span)


def _make_baseplate(observers: int) -> Baseplate:
    baseplate = Baseplate()
    for _ in range(observers):
        baseplate.register(_Observer())
    baseplate.add_to_context("client", _Factory())
    return baseplate


def _lifecycle(loops: int, baseplate: Baseplate) -> float:
    make_server_span = baseplate.make_server_span
    timer = pyperf.perf_counter
    start = timer()
    for _ in range(loops):
        context = RequestContext()
        span = make_server_span(context, "request")
        span.start()
        child = context.client.span.make_child("client.call")
        child.start()
        child.finish()
        span.finish()
    return timer() - start


def main() -> None:
    runner = pyperf.Runner()
    runner.metadata["description"] = "baseplate-core span lifecycle per request"
    for observers in (0, 1, 3):
        runner.bench_time_func(
            f"core_span_lifecycle_{observers}_observers", _lifecycle, _make_baseplate(observers)
        )


if __name__ == "__main__":
    main()
