"""Events the integration sends through Pyramid's registry."""

from __future__ import annotations

from pyramid.request import Request


class ServerSpanInitialized:
    """Sent after Baseplate has created and started the server span for a request.

    Subscribe with ``config.add_subscriber(handler, ServerSpanInitialized)``. It is sent
    before the request reaches its view, with ``request.trace`` started and tagged.
    Baseplate creates the span when Pyramid sends :class:`pyramid.events.ContextFound`, so
    other subscribers to that event may or may not have run yet.

    Attributes:
        request: The request whose server span was created.
    """

    def __init__(self, request: Request) -> None:
        self.request = request

    def __repr__(self) -> str:
        return f"<ServerSpanInitialized request={self.request!r}>"
