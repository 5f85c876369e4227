"""Fixtures for baseplate-pyramid's tests: a Pyramid application instrumented by Baseplate.

Every test drives a real Pyramid application through WebTest, which calls the WSGI
application in-process exactly as a server would; no socket is involved because none is
needed to exercise the framework. Spans are checked with
:class:`baseplate.core.testing.RecordingObserver`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
import webtest
from pyramid.config import Configurator
from pyramid.events import NewRequest
from pyramid.httpexceptions import HTTPFound, HTTPServiceUnavailable
from pyramid.request import Request
from pyramid.response import Response

from baseplate.core import Baseplate, ContextFactory, Span
from baseplate.core.testing import RecordedSpan, RecordingObserver
from baseplate.integration.pyramid import BaseplateConfigurator, ServerSpanInitialized


class Boom(Exception):
    """Raised by a view and handled by nothing."""


class Handled(Exception):
    """Raised by a view and rendered by an exception view."""


class TriggersBadExceptionView(Exception):
    """Raised by a view; its exception view raises ExceptionViewFailed."""


class ExceptionViewFailed(Exception):
    """Raised by an exception view."""


class CountingFactory(ContextFactory):
    """A context factory that records every call and returns a fresh object each time."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Span]] = []

    def make_object_for_context(self, name: str, span: Span) -> object:
        self.calls.append((name, span))
        return object()


class ServerErrors:
    """WSGI middleware answering 500 to an unhandled exception, as every WSGI server does."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        try:
            return self.app(environ, start_response)
        except Exception:
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            return [b"internal error"]


@dataclass
class Harness:
    """A Pyramid application instrumented by Baseplate, plus what the tests inspect."""

    app: webtest.TestApp
    router: Any
    baseplate: Baseplate
    configurator: BaseplateConfigurator
    recorder: RecordingObserver
    factory: CountingFactory
    events: list[ServerSpanInitialized]
    seen: dict[str, Any]
    request_refs: list[weakref.ref[Request]]

    def only_span(self) -> RecordedSpan:
        assert len(self.recorder.server_spans) == 1, self.recorder.server_spans
        return self.recorder.server_spans[0]


def _views(config: Configurator, seen: dict[str, Any]) -> None:
    def example(request: Request) -> dict[str, bool]:
        seen["request"] = request
        return {"ok": True}

    def error(request: Request) -> Response:
        raise Boom("unhandled")

    def handled(request: Request) -> Response:
        raise Handled("rendered by an exception view")

    def render_handled(exc: Handled, request: Request) -> Response:
        return Response("handled", status=502)

    def bad_exception_view_trigger(request: Request) -> Response:
        raise TriggersBadExceptionView()

    def bad_exception_view(exc: TriggersBadExceptionView, request: Request) -> Response:
        raise ExceptionViewFailed("the exception view broke")

    def redirect(request: Request) -> Response:
        raise HTTPFound(location="/example")

    def unavailable(request: Request) -> Response:
        raise HTTPServiceUnavailable()

    def context(request: Request) -> Response:
        first = request.thing
        second = request.thing
        seen["objects"] = (first, second, request.trace.context.thing)
        seen["span"] = request.trace
        return Response("ok")

    def unused(request: Request) -> Response:
        return Response("ok")

    def local(request: Request) -> Response:
        server_thing = request.thing
        with request.trace.make_child("work", local=True, component_name="worker") as child:
            seen["local"] = (child, child.context, child.context.thing, child.context.trace)
        seen["server"] = (request.trace, server_thing)
        return Response("ok")

    def callback(request: Request) -> Response:
        def read_late(request: Request, response: Response) -> None:
            try:
                request.thing  # noqa: B018 -- reading is the point
            except AttributeError as exc:
                seen["late_error"] = str(exc)

        request.add_response_callback(read_late)
        return Response("ok")

    config.add_route("example", "/example")
    config.add_view(example, route_name="example", renderer="json")
    routes: list[tuple[str, Callable[..., Any]]] = [
        ("error", error),
        ("handled", handled),
        ("bad_exception_view", bad_exception_view_trigger),
        ("redirect", redirect),
        ("unavailable", unavailable),
        ("context", context),
        ("unused", unused),
        ("local", local),
        ("callback", callback),
    ]
    for name, view in routes:
        config.add_route(name, f"/{name}")
        config.add_view(view, route_name=name)
    config.add_view(render_handled, context=Handled)
    config.add_view(bad_exception_view, context=TriggersBadExceptionView)
    config.add_route("post_only", "/post_only")
    config.add_view(example, route_name="post_only", request_method="POST", renderer="json")


def make_harness(
    *args: Any, remote_addr: str | None = "10.1.2.3", wrap: bool = False, **kwargs: Any
) -> Harness:
    """Build the test application.

    The context factory is added to Baseplate *after* the configurator is included and
    before the WSGI app is made, which is the order applications use.
    """
    baseplate = Baseplate()
    recorder = RecordingObserver()
    baseplate.register(recorder)
    seen: dict[str, Any] = {}
    events: list[ServerSpanInitialized] = []

    config = Configurator()
    baseplate_config = BaseplateConfigurator(baseplate, *args, **kwargs)
    config.include(baseplate_config.includeme)

    def on_initialized(event: ServerSpanInitialized) -> None:
        span = event.request.trace
        seen["at_event"] = (recorder.server_spans[-1].started, span.name)
        events.append(event)

    config.add_subscriber(on_initialized, ServerSpanInitialized)
    request_refs: list[weakref.ref[Request]] = []
    config.add_subscriber(lambda event: request_refs.append(weakref.ref(event.request)), NewRequest)
    _views(config, seen)
    factory = CountingFactory()
    baseplate.add_to_context("thing", factory)
    router = config.make_wsgi_app()
    extra_environ = {} if remote_addr is None else {"REMOTE_ADDR": remote_addr}
    app = webtest.TestApp(ServerErrors(router) if wrap else router, extra_environ=extra_environ)
    return Harness(
        app, router, baseplate, baseplate_config, recorder, factory, events, seen, request_refs
    )


@pytest.fixture(name="make_harness")
def make_harness_fixture() -> Callable[..., Harness]:
    """``make_harness(*args, remote_addr=..., wrap=False, **kwargs)``: see :func:`make_harness`."""
    return make_harness


@pytest.fixture
def view_errors() -> SimpleNamespace:
    """The exceptions the test application's views raise, to compare reported ones with."""
    return SimpleNamespace(Boom=Boom, Handled=Handled, ExceptionViewFailed=ExceptionViewFailed)


@pytest.fixture
def counting_factory() -> CountingFactory:
    """A context factory that records its calls (the one :func:`make_harness` adds as ``thing``)."""
    return CountingFactory()
