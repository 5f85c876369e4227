"""The gevent WSGI server: ``factory = baseplate.server.wsgi``.

The application factory must return a WSGI callable. Configuration keys of the
``[server:NAME]`` section:

``max_concurrency``
    The most connections handled at once (optional; unlimited by default).
``stop_timeout``
    How long in-flight requests get to finish on shutdown, as a span of time
    (``30 seconds``) or a number of seconds (default 0: stop at once).
``read_timeout``
    How long a client may stay silent while the server waits for a new connection's first
    request or for the rest of a request it has begun (its line, headers or body), as a
    span of time or a number of seconds (default ``30 seconds``; ``0`` for no limit). The
    connection is closed when it runs out; a kept-alive connection waiting for its next
    request is not timed.
``handler``
    The dotted name of a :class:`gevent.pywsgi.WSGIHandler` subclass to handle connections
    (optional), e.g. ``my_service.http.CustomHandler``.

Example:

.. code-block:: ini

    [server:main]
    factory = baseplate.server.wsgi
    stop_timeout = 10 seconds
    drain_time = 5 seconds

Each accepted TCP connection has ``TCP_NODELAY`` set. A request line longer than gevent's
limit (8 KiB) is answered ``414``; a header line over 64 KiB, more than 100 header lines
or a malformed request is answered ``400``, and the connection closed.

On a graceful stop nothing a client has sent is lost. While the server drains
(``drain_time`` of the ``baseplate-serve`` section), every response carries
``Connection: close`` and its connection ends after it, so keep-alive clients move to new
connections while the listener still accepts. When the drain ends, connections waiting in
the listener's backlog are accepted and the listener is closed; then a connection whose
next request has already arrived is served (with ``Connection: close``) before it closes,
one that has not sent its first request gets half a second to send it, and one with nothing
to read is closed at once. Requests in flight finish, up to ``stop_timeout``.
"""

from __future__ import annotations

import http.client
import logging
from collections.abc import Mapping
from typing import Any

from gevent.pool import Pool
from gevent.pywsgi import LoggingLogAdapter, WSGIHandler, WSGIServer

from baseplate import config
from baseplate.server._connections import (
    ConnectionTracker,
    GracefulServerMixin,
    set_no_delay,
    yield_to_other_connections,
)
from baseplate.server._errors import FactoryError
from baseplate.server._loader import load_object
from baseplate.server._server_section import parse_server_section

__all__ = ["BaseplateWSGIServer", "make_server"]

logger = logging.getLogger(__name__)
access_logger = logging.getLogger(f"{__name__}.access")


class _BaseplateHandlerMixin:
    """Put in front of the configured handler class to track requests and keep it fair."""

    server: BaseplateWSGIServer
    socket: Any
    rfile: Any
    close_connection: bool
    _baseplate_requests_seen = 0

    def read_requestline(self) -> str:
        tracker = self.server.tracker
        first = not self._baseplate_requests_seen
        if not first:
            yield_to_other_connections()
        self._baseplate_requests_seen += 1
        sock = self.socket
        if not tracker.start_waiting(sock, first=first):
            return ""  # ends the connection
        try:
            if not first:
                self._wait_for_next_request(sock)
            line: str = super().read_requestline()  # type: ignore[misc]
        finally:
            tracker.stop_waiting(sock)
        return line

    def _wait_for_next_request(self, sock: Any) -> None:
        """Wait without a timeout until a kept-alive connection's next request begins.

        Only a new connection's first request and a request once begun are bound by
        ``read_timeout``; the socket has it set again before the request is read.
        """
        timeout = self.server.read_timeout
        peek = getattr(self.rfile, "peek", None)
        if timeout is None or peek is None:
            return
        sock.settimeout(None)
        try:
            peek(1)
        except OSError:
            pass  # the read that follows finds the connection's end
        finally:
            sock.settimeout(timeout)

    def read_request(self, raw_requestline: str) -> Any:
        # gevent answers a ValueError from here with 400 and one line in the error log; the
        # standard library's header limits (http.client.HTTPException) and a read timeout
        # would also be answered 400, but with a traceback printed.
        try:
            return super().read_request(raw_requestline)  # type: ignore[misc]
        except http.client.HTTPException as exc:
            raise ValueError(f"bad headers: {exc}") from exc
        except TimeoutError as exc:
            raise ValueError(
                f"headers not received within read_timeout ({self.server.read_timeout:g} s)"
            ) from exc

    def handle_one_response(self) -> None:
        tracker = self.server.tracker
        tracker.active_requests += 1
        try:
            super().handle_one_response()  # type: ignore[misc]
        finally:
            tracker.active_requests -= 1

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Any:
        if self.server.tracker.ending and not self.close_connection:
            # Tell the client this connection ends with the response.
            self.close_connection = True
            if not any(name.lower() == "connection" for name, _ in headers):
                headers = [*headers, ("Connection", "close")]
        return super().start_response(status, headers, exc_info)  # type: ignore[misc]

    def log_request(self) -> None:
        # Formatting the access-log line is not free: only do it when someone will see it.
        if access_logger.isEnabledFor(logging.DEBUG):
            super().log_request()  # type: ignore[misc]


def _with_tracking(handler_class: type[WSGIHandler]) -> type[WSGIHandler]:
    name = f"Baseplate{handler_class.__name__}"
    tracked: type[WSGIHandler] = type(name, (_BaseplateHandlerMixin, handler_class), {})
    return tracked


class BaseplateWSGIServer(GracefulServerMixin, WSGIServer):
    """A :class:`gevent.pywsgi.WSGIServer` that stops gracefully and counts requests.

    Use :func:`make_server` to build one from configuration.

    Args:
        listener: The bound, listening socket.
        application: The WSGI application.
        max_concurrency: The most connections handled at once; ``None`` for no limit.
        stop_timeout: Seconds that in-flight requests get to finish in ``stop()``.
        handler_class: The :class:`~gevent.pywsgi.WSGIHandler` subclass to use.
        read_timeout: Seconds a client may stay silent while a new connection's first
            request, or the rest of a request begun, is awaited; ``None`` for no limit.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        listener: Any,
        application: Any,
        *,
        max_concurrency: int | None = None,
        stop_timeout: float = 0.0,
        handler_class: type[WSGIHandler] = WSGIHandler,
        read_timeout: float | None = None,
    ) -> None:
        super().__init__(
            listener,
            application,
            spawn=Pool(max_concurrency),
            log=LoggingLogAdapter(access_logger, logging.DEBUG),
            error_log=LoggingLogAdapter(logger, logging.ERROR),
            handler_class=_with_tracking(handler_class),
        )
        self.stop_timeout = stop_timeout
        self.read_timeout = read_timeout
        self.tracker = ConnectionTracker()

    def handle(self, sock: Any, address: Any) -> None:
        """Handle one connection (called by gevent in the connection's greenlet)."""
        set_no_delay(sock)
        if self.read_timeout is not None:
            sock.settimeout(self.read_timeout)
        super().handle(sock, address)


def make_server(server_config: Mapping[str, str], listener: Any, app: Any) -> BaseplateWSGIServer:
    """Make a gevent WSGI server for ``app`` from the ``[server:NAME]`` section.

    Raises:
        baseplate.config.ConfigurationError: a key has a bad value, or ``handler`` does not
            name a :class:`gevent.pywsgi.WSGIHandler` subclass.

    .. versionadded:: 0.1.0
    """
    section = parse_server_section(server_config)
    handler_class: type[WSGIHandler] = WSGIHandler
    if section.handler:
        handler_class = _load_handler_class(section.handler)
    return BaseplateWSGIServer(
        listener,
        app,
        max_concurrency=section.max_concurrency,
        stop_timeout=section.stop_timeout,
        handler_class=handler_class,
        read_timeout=section.read_timeout,
    )


def _load_handler_class(reference: str) -> type[WSGIHandler]:
    try:
        loaded = load_object(reference, key="handler")
    except FactoryError as exc:
        raise config.ConfigurationError("handler", exc.message) from exc
    if not (isinstance(loaded, type) and issubclass(loaded, WSGIHandler)):
        raise config.ConfigurationError(
            "handler", f"{reference!r} is not a subclass of gevent.pywsgi.WSGIHandler"
        )
    return loaded
