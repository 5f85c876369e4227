"""What the gevent servers share: per-connection socket options and graceful stopping."""

from __future__ import annotations

import contextlib
import logging
import socket
from typing import Any

import gevent

logger = logging.getLogger(__name__)


def set_no_delay(sock: Any) -> None:
    """Turn off Nagle's algorithm on an accepted TCP connection.

    A response written in more than one ``send`` (headers, then body) would otherwise wait
    for the client's delayed ACK -- about 40 ms on Linux -- on every keep-alive request.
    """
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        # The peer may already have gone; the handler will find out on its first read.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def yield_to_other_connections() -> None:
    """Let every other ready connection run before this one reads its next request.

    A keep-alive client often has its next request waiting by the time the work that
    follows a response (finishing spans, flushing metrics, logging) is done, so the next read
    would not block, and one busy connection could hold the event loop while the others wait.
    """
    gevent.sleep(0)


class ConnectionTracker:
    """Counts in-flight requests and knows which connections sit between requests.

    A graceful stop closes the idle connections straight away and lets the busy ones finish
    their current request; each busy connection closes itself afterwards because
    :attr:`closing` is set.
    """

    __slots__ = ("active_requests", "closing", "idle")

    def __init__(self) -> None:
        #: Requests being handled right now.
        self.active_requests = 0
        #: Set when the server stops: connections end after their current request.
        self.closing = False
        #: Sockets of connections that are waiting for their next request.
        self.idle: set[Any] = set()

    def close_idle_connections(self) -> None:
        """Set :attr:`closing` and wake every idle connection with an end-of-file."""
        self.closing = True
        for sock in list(self.idle):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def stop_gracefully(server: Any, tracker: ConnectionTracker, timeout: float) -> None:
    """Stop a gevent server: close the listener, end idle connections, wait, then kill.

    Requests in progress get ``timeout`` seconds to finish; connections still running after
    that are killed.
    """
    server.close()
    tracker.close_idle_connections()
    pool = server.pool
    if pool is None:
        logger.info("Listener closed")
        return
    gevent.sleep(0)  # let the connections just closed end before counting the rest
    logger.info(
        "Listener closed; waiting up to %g seconds for %d connection(s) in flight",
        timeout,
        len(pool),
    )
    if len(pool):
        pool.join(timeout=timeout)
    if len(pool):
        logger.warning("Stop timeout reached; killing %d connection(s)", len(pool))
        pool.kill(block=True, timeout=1)


class GracefulServerMixin:
    """What the WSGI and Thrift servers share: request counting and the graceful stop.

    The server's ``__init__`` sets ``tracker`` and ``stop_timeout``; gevent's server class
    comes after this mixin in the bases.
    """

    tracker: ConnectionTracker
    stop_timeout: float

    @property
    def active_requests(self) -> int:
        """The number of requests being handled right now."""
        return self.tracker.active_requests

    def stop(self, timeout: float | None = None) -> None:
        """Stop accepting, close idle connections and let in-flight requests finish.

        Args:
            timeout: Seconds to wait for in-flight requests before killing them; the
                configured ``stop_timeout`` when ``None``.
        """
        stop_gracefully(self, self.tracker, self.stop_timeout if timeout is None else timeout)
