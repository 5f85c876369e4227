"""The tween that finishes each request's server span.

It sits directly over Pyramid's exception-view tween (``EXCVIEW``), so it sees the response
an exception view rendered as well as any exception no exception view handled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyramid.httpexceptions import HTTPException
from pyramid.registry import Registry
from pyramid.request import Request
from pyramid.response import Response

from baseplate.core import ExcInfo, ServerSpan

#: The dotted name under which :func:`tween_factory` is registered (Pyramid requires one).
TWEEN_NAME = "baseplate.integration.pyramid._tween.tween_factory"

Handler = Callable[[Request], Response]


def active_server_span(request: Request) -> ServerSpan | None:
    """Return the unfinished server span Baseplate made for ``request``, if any."""
    span = getattr(request, "trace", None)
    if isinstance(span, ServerSpan) and not span.finished:
        return span
    return None


def _reported_exception(request: Request) -> ExcInfo | None:
    # Since Pyramid 1.9 the exception-view tween leaves the exception it turned into a
    # response on the request. Report it, unless it is one of Pyramid's HTTP exceptions below
    # 500: those are responses raised for control flow (redirects, 403s, 404s), not errors.
    exc_info: Any = getattr(request, "exc_info", None)
    if exc_info is None:
        return None
    exception = exc_info[1]
    if isinstance(exception, HTTPException) and exception.status_code < 500:
        return None
    result: ExcInfo = exc_info
    return result


def tween_factory(handler: Handler, registry: Registry) -> Handler:
    """Make the tween that finishes the server span when the response is ready.

    * A response (including one rendered by an exception view) is tagged
      ``http.status_code``; the span finishes with the exception the exception view handled,
      if any and unless it is one of Pyramid's HTTP exceptions below 500, else without one.
    * An exception that escapes to the WSGI server finishes the span with that exception; an
      ``Exception`` is also tagged ``http.status_code`` 500, which is what the server answers.
      The exception is re-raised.

    Requests without a server span (no route matched) pass straight through.
    """

    def baseplate_tween(request: Request) -> Response:
        try:
            response = handler(request)
        except BaseException as exc:
            span = active_server_span(request)
            if span is not None:
                if isinstance(exc, Exception):
                    span.set_tag("http.status_code", 500)
                # Anything else (a killed greenlet, a timeout) sends no response at all.
                span.finish((type(exc), exc, exc.__traceback__))
            raise
        span = active_server_span(request)
        if span is not None:
            span.set_tag("http.status_code", response.status_code)
            span.finish(_reported_exception(request))
        return response

    return baseplate_tween
