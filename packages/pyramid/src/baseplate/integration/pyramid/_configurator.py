"""The Pyramid configuration extension that puts every routed request on a server span."""

from __future__ import annotations

import base64
import functools
import ipaddress
import logging
import warnings
from collections.abc import Callable
from typing import Any, Protocol

from pyramid.config import Configurator
from pyramid.events import ApplicationCreated, ContextFound
from pyramid.exceptions import ConfigurationError
from pyramid.interfaces import IRequestFactory
from pyramid.request import Request
from pyramid.tweens import EXCVIEW

from baseplate.core import Baseplate, TraceInfo

from ._events import ServerSpanInitialized
from ._trust import HeaderTrustHandler, StaticTrustHandler
from ._tween import TWEEN_NAME, active_server_span

logger = logging.getLogger("baseplate.integration.pyramid")

#: Attributes Pyramid's router sets on every request: a context attribute of the same name
#: would be hidden by them.
_ROUTER_ATTRIBUTES = frozenset(
    {
        "context",
        "invoke_subrequest",
        "registry",
        "root",
        "subpath",
        "traversed",
        "view_name",
        "virtual_root",
        "virtual_root_path",
    }
)


class _EdgeContext(Protocol):
    def attach_context(self, context: Any) -> None: ...


class _EdgeContextFactory(Protocol):
    def from_upstream(self, edge_header: bytes | None) -> _EdgeContext: ...


def decode_edge_header(value: str) -> bytes:
    """Return the payload of an ``X-Edge-Request`` header value.

    Current clients send the serialized edge context base64-encoded; the original framework
    sent the raw bytes (which arrive as a latin-1 string, as WSGI passes every header). Strict
    base64 is tried first; a raw Thrift payload never decodes as base64 because it starts with
    a field-type byte outside the base64 alphabet.
    """
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        return value.encode("latin-1")


def _context_attribute(name: str) -> Callable[[Request], Any]:
    def read(request: Request) -> Any:
        span = getattr(request, "trace", None)
        context = getattr(span, "context", None)
        if context is None:
            raise AttributeError(
                f"request.{name} is made by a Baseplate context factory for the request's "
                "server span, and this request has no active one (no route matched, or the "
                "response is already complete)"
            )
        return getattr(context, name)

    read.__name__ = name
    return read


class BaseplateConfigurator:
    """Config extension to integrate Baseplate into Pyramid.

    Include it in the application's configuration::

        baseplate_config = BaseplateConfigurator(
            baseplate, header_trust_handler=StaticTrustHandler(trust_headers=True)
        )
        configurator.include(baseplate_config.includeme)

    Every request that matches a route then gets a server span named after the route,
    available as ``request.trace``; requests that match no route (404s) get none. The span
    starts when Pyramid has found the request's context, is tagged ``http.url`` (the URL
    without its query string), ``http.method`` and ``peer.ipv4`` (or ``peer.ipv6``), and is
    finished by a tween directly over Pyramid's exception-view tween, tagged
    ``http.status_code``. An exception that an exception view turned into a response is still
    reported on the span, except Pyramid's HTTP exceptions below 500 (redirects, 403s, 404s
    raised for control flow).

    Attributes registered with :meth:`Baseplate.add_to_context
    <baseplate.core.Baseplate.add_to_context>` before the application is made (``make_wsgi_app``)
    are readable as ``request.<name>``: each is made on its first read in a request and bound
    to the request's server span. Every factory attribute is also readable as
    ``request.trace.context.<name>``, including ones registered later.

    Trace headers (``X-Trace``, ``X-Span``, ``X-Parent``, ``X-Sampled``, ``X-Flags`` and their
    ``X-B3-*`` aliases) and the edge-context header (``X-Edge-Request``) are read only when the
    header trust handler allows it. Malformed trace headers are logged at debug level and the
    request starts a new trace.

    Args:
        baseplate: The Baseplate instance for your application.
        trust_trace_headers: Deprecated: a bool; ``True`` or ``False`` is the same as passing
            ``header_trust_handler=StaticTrustHandler(trust_headers=...)``.
        edge_context_factory: A configured edge request context factory (from
            baseplate-edgecontext). When given, every routed request gets an edge context
            from it as ``request.request_context``: made from the ``X-Edge-Request`` payload
            when a trusted caller sent one, else empty (no user). Without it a trusted
            payload is kept as bytes in ``request.raw_request_context`` so it can be passed on
            downstream.
        header_trust_handler: Decides which requests' headers to read. Defaults to
            :class:`StaticTrustHandler`, which trusts nothing.
        w3c_tracecontext: Also accept a W3C ``traceparent`` header from trusted callers when
            none of the ``X-`` trace headers is present: ``True`` or ``False``, or ``None``
            (the default) to follow ``baseplate.w3c_tracecontext``, which the configuration
            key ``tracing.w3c_tracecontext`` sets.

    Raises:
        TypeError: if an argument is not of the kind described above.
        ValueError: if both ``trust_trace_headers`` and ``header_trust_handler`` are given.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        baseplate: Baseplate,
        trust_trace_headers: bool | None = None,
        edge_context_factory: _EdgeContextFactory | None = None,
        header_trust_handler: HeaderTrustHandler | None = None,
        *,
        w3c_tracecontext: bool | None = None,
    ) -> None:
        if not isinstance(baseplate, Baseplate):
            raise TypeError(f"baseplate must be a baseplate.core.Baseplate, got {baseplate!r}")
        if trust_trace_headers is not None:
            if header_trust_handler is not None:
                raise ValueError(
                    "pass header_trust_handler or the deprecated trust_trace_headers, not both "
                    f"(got trust_trace_headers={trust_trace_headers!r} and "
                    f"header_trust_handler={header_trust_handler!r})"
                )
            if not isinstance(trust_trace_headers, bool):
                raise TypeError(
                    f"trust_trace_headers must be a bool or None, got {trust_trace_headers!r}"
                )
            warnings.warn(
                "BaseplateConfigurator(trust_trace_headers=...) is deprecated; pass "
                f"header_trust_handler=StaticTrustHandler(trust_headers={trust_trace_headers!r})",
                DeprecationWarning,
                stacklevel=2,
            )
            header_trust_handler = StaticTrustHandler(trust_headers=trust_trace_headers)
        elif header_trust_handler is None:
            header_trust_handler = StaticTrustHandler()
        elif not all(
            callable(getattr(header_trust_handler, method, None))
            for method in ("should_trust_trace_headers", "should_trust_edge_context_payload")
        ):
            raise TypeError(
                f"header_trust_handler must be a HeaderTrustHandler, got {header_trust_handler!r}"
            )
        if edge_context_factory is not None and not callable(
            getattr(edge_context_factory, "from_upstream", None)
        ):
            raise TypeError(
                "edge_context_factory must have a from_upstream method (an "
                f"EdgeRequestContextFactory), got {edge_context_factory!r}"
            )
        if w3c_tracecontext is not None and not isinstance(w3c_tracecontext, bool):
            raise TypeError(f"w3c_tracecontext must be a bool or None, got {w3c_tracecontext!r}")
        self.baseplate = baseplate
        self.header_trust_handler = header_trust_handler
        self.edge_context_factory = edge_context_factory
        self.w3c_tracecontext = w3c_tracecontext
        #: How many requests carried trusted but malformed trace headers (each started a new
        #: trace).
        self.rejected_trace_headers = 0

    def includeme(self, config: Configurator) -> None:
        """Add Baseplate to a Pyramid application: pass this to ``config.include``.

        Registers the subscribers that create the server span and give the application
        (the router) a ``baseplate`` attribute, the tween that finishes the span, and the
        request attributes for the context factories, which are gathered when the
        configuration is committed.
        """
        config.add_subscriber(self._on_application_created, ApplicationCreated)
        config.add_subscriber(self._on_context_found, ContextFound)
        config.add_tween(TWEEN_NAME, over=EXCVIEW)
        config.action(None, self._add_context_attributes, args=(config,))

    def _add_context_attributes(self, config: Configurator) -> None:
        # Runs at commit time, so factories added after includeme() are included.
        request_class = config.registry.queryUtility(IRequestFactory, default=Request)
        for name in self.baseplate.context_factories:
            if name in _ROUTER_ATTRIBUTES or (
                isinstance(request_class, type) and hasattr(request_class, name)
            ):
                raise ConfigurationError(
                    f"the context attribute {name!r} would hide the Pyramid request's own "
                    f"attribute request.{name}; register the factory under another name"
                )
            config.add_request_method(_context_attribute(name), name, reify=True)

    def _on_application_created(self, event: ApplicationCreated) -> None:
        event.app.baseplate = self.baseplate

    def _on_context_found(self, event: ContextFound) -> None:
        request = event.request
        route = getattr(request, "matched_route", None)
        if route is None or active_server_span(request) is not None:
            return
        trace_info = None
        if self.header_trust_handler.should_trust_trace_headers(request):
            trace_info = self._read_trace_info(request)
        self._read_edge_context(
            request, self.header_trust_handler.should_trust_edge_context_payload(request)
        )
        span = self.baseplate.make_server_span(request, route.name, trace_info)
        span.start()
        span.set_tag("http.url", request.path_url)
        span.set_tag("http.method", request.method)
        peer = _peer_tag(request.remote_addr)
        if peer is not None:
            span.set_tag(*peer)
        request.registry.notify(ServerSpanInitialized(request))

    def _read_trace_info(self, request: Request) -> TraceInfo | None:
        w3c = self.w3c_tracecontext
        try:
            return TraceInfo.from_headers(
                request.headers.get,
                prefix="X-",
                traceparent=self.baseplate.w3c_tracecontext if w3c is None else w3c,
            )
        except ValueError as exc:
            self.rejected_trace_headers += 1
            logger.debug("Ignoring malformed trace headers; starting a new trace: %s", exc)
            return None

    def _read_edge_context(self, request: Request, trusted: bool) -> None:
        value = request.headers.get("X-Edge-Request") if trusted else None
        payload = None if value is None else decode_edge_header(value)
        if self.edge_context_factory is not None:
            # Every request gets a context, an empty one without a trusted header, so that
            # handlers can always read request.request_context (a logged-out user).
            self.edge_context_factory.from_upstream(payload).attach_context(request)
        elif payload is not None:
            request.raw_request_context = payload


# Peers repeat (a load balancer, a few upstream services): parse each address once.
@functools.lru_cache(maxsize=1024)
def _peer_tag(address: str | None) -> tuple[str, str] | None:
    if not address:
        return None
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return None
    return ("peer.ipv4" if parsed.version == 4 else "peer.ipv6", address)
