"""Header trust policies: which inbound requests may set trace and edge-context headers."""

from __future__ import annotations

import abc

from pyramid.request import Request


class HeaderTrustHandler(abc.ABC):
    """Decides, per request, whether Baseplate may read the request's context headers.

    Trace headers (``X-Trace``, ``X-Span``, ...) let a caller choose the trace a request joins,
    and the edge-context header (``X-Edge-Request``) carries the end user's identity. Only
    callers you trust should be able to set them. :class:`BaseplateConfigurator
    <baseplate.integration.pyramid.BaseplateConfigurator>` asks its handler before reading
    either kind; :class:`StaticTrustHandler` is the default implementation.

    Both methods are called once per routed request, on the thread (or greenlet) handling it,
    before the server span exists. An exception they raise fails the request.
    """

    @abc.abstractmethod
    def should_trust_trace_headers(self, request: Request) -> bool:
        """Return whether Baseplate should parse the trace headers of ``request``.

        Args:
            request: The inbound Pyramid request.

        Returns:
            ``True`` to join the trace the headers describe, ``False`` to start a new trace.
        """

    @abc.abstractmethod
    def should_trust_edge_context_payload(self, request: Request) -> bool:
        """Return whether Baseplate should accept the edge-context header of ``request``.

        Args:
            request: The inbound Pyramid request.

        Returns:
            ``True`` to attach the ``X-Edge-Request`` payload to the request, ``False`` to
            ignore it.
        """


class StaticTrustHandler(HeaderTrustHandler):
    """The default policy: one answer for every request.

    It is created by :class:`BaseplateConfigurator
    <baseplate.integration.pyramid.BaseplateConfigurator>` unless another
    :class:`HeaderTrustHandler` is given, and by default trusts nothing.

    .. warning::

        Only set ``trust_headers`` to ``True`` when the application can be reached by trusted
        callers alone (usually backend services behind the edge).

    Args:
        trust_headers: Whether to trust trace and edge-context headers; both methods return
            it.
    """

    def __init__(self, trust_headers: bool = False) -> None:
        if not isinstance(trust_headers, bool):
            raise TypeError(f"trust_headers must be a bool, got {trust_headers!r}")
        self.trust_headers = trust_headers

    def __repr__(self) -> str:
        return f"StaticTrustHandler(trust_headers={self.trust_headers!r})"

    def should_trust_trace_headers(self, request: Request) -> bool:
        """Return ``trust_headers``."""
        return self.trust_headers

    def should_trust_edge_context_payload(self, request: Request) -> bool:
        """Return ``trust_headers``."""
        return self.trust_headers
