"""What the gevent servers share: per-connection socket options and graceful stopping."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import select
import socket
import struct
import sys
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


def hold_until_close(sock: Any) -> None:
    """Keep what is sent on ``sock`` from now on in the kernel until the socket is closed.

    The answer to a connection's last call then leaves in the same segment as the end-of-file,
    so a client that gets the answer sees the connection closed before it can send another
    call into it. Without ``TCP_CORK`` (not Linux, or not TCP) the end-of-file follows the
    answer at once instead.
    """
    cork = getattr(socket, "TCP_CORK", None)
    if cork is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, cork, 1)


def yield_to_other_connections() -> None:
    """Let every other ready connection run before this one reads its next request.

    A keep-alive client often has its next request waiting by the time the work that
    follows a response (finishing spans, flushing metrics, logging) is done, so the next read
    would not block, and one busy connection could hold the event loop while the others wait.
    """
    gevent.sleep(0)


#: Seconds a connection that has not yet sent its first request gets to send it once the
#: listener has closed: its client connected to send one, so it is not closed at once.
FIRST_REQUEST_GRACE = 0.5


def has_input(sock: Any) -> bool:
    """Whether ``sock`` has something to read (data or an end-of-file), seen without blocking."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):  # closed already
        return False
    return bool(readable)


class ConnectionTracker:
    """Counts in-flight requests and knows which connections sit between requests.

    While the server drains (:attr:`draining`), every connection ends after its current
    response, so keep-alive clients move to new connections while the listener still accepts.
    When the server stops (:attr:`closing`), a connection waiting for its next request is
    closed at once unless that request has already arrived (it is served, and the connection
    ends after it) or it has not sent its first request yet (it gets
    :data:`FIRST_REQUEST_GRACE` seconds to send it). Busy connections finish their current
    request and then close themselves.
    """

    __slots__ = ("active_requests", "closing", "draining", "first_request_grace", "idle", "new")

    def __init__(self, first_request_grace: float = FIRST_REQUEST_GRACE) -> None:
        #: Requests being handled right now.
        self.active_requests = 0
        #: Set when the drain starts: connections end after their current response.
        self.draining = False
        #: Set when the server stops: connections end after their current request.
        self.closing = False
        #: Sockets of connections that are waiting for their next request.
        self.idle: set[Any] = set()
        #: Those of :attr:`idle` that have not sent their first request yet.
        self.new: set[Any] = set()
        #: Seconds a new connection gets to send its first request once stopping.
        self.first_request_grace = first_request_grace

    @property
    def ending(self) -> bool:
        """Whether a connection should end after its current response (draining or closing)."""
        return self.draining or self.closing

    def start_waiting(self, sock: Any, *, first: bool) -> bool:
        """Note that a connection is about to wait for its next request.

        Args:
            sock: The connection's socket.
            first: Whether the request it waits for is its first.

        Returns:
            ``False`` when the connection should end instead (the server is stopping and
            nothing has arrived on a connection that has served a request already).
        """
        if self.closing and not has_input(sock):
            if not first:
                return False
            gevent.spawn_later(self.first_request_grace, self._close_if_waiting, sock)
        self.idle.add(sock)
        if first:
            self.new.add(sock)
        return True

    def stop_waiting(self, sock: Any) -> None:
        """Note that a connection's request has arrived (or the connection has ended)."""
        self.idle.discard(sock)
        self.new.discard(sock)

    def close_idle_connections(self) -> None:
        """Set :attr:`closing` and end the connections that wait with nothing to read.

        A waiting connection whose next request has already arrived is left to serve it; one
        that has not sent its first request gets :attr:`first_request_grace` seconds; every
        other one is woken at once with an end-of-file.
        """
        self.closing = True
        for sock in list(self.idle):
            if has_input(sock):
                continue
            if sock in self.new:
                gevent.spawn_later(self.first_request_grace, self._close_if_waiting, sock)
            else:
                _shut_down(sock)

    def _close_if_waiting(self, sock: Any) -> None:
        if sock in self.idle and not has_input(sock):
            _shut_down(sock)


def _shut_down(sock: Any) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def accept_waiting_connections(server: Any) -> None:
    """Accept the connections waiting in the listener's backlog before it closes.

    Their clients have connected and may have sent a request already; closing the listener
    with them in the backlog would reset them. Stops early when the server is full. Not done
    when the listener is shared with other processes (``listener_shared``, as under Einhorn):
    they go on accepting from it.
    """
    if server.closed or getattr(server, "listener_shared", False):
        return
    server.stop_accepting()
    _drop_new_connections(server.socket)
    while not server.full():
        try:
            accepted = server.do_read()
        except OSError:
            return
        if not accepted:
            return
        server.do_handle(*accepted)


#: A classic BPF program of one instruction, "return 0": drop every packet.
_DROP_ALL = struct.pack("HBBI", 0x06, 0, 0, 0)


def _drop_new_connections(listener: Any) -> None:
    """Have the kernel ignore new connection attempts on ``listener`` (Linux).

    Without this, a client connecting between the last accept and the close would be
    accepted by the kernel and then reset, its request lost; ignored, its connection attempt
    is retried by its kernel and refused once the listener has closed. Elsewhere (or if the
    filter cannot be attached) that short window remains.
    """
    option = getattr(socket, "SO_ATTACH_FILTER", 26 if sys.platform == "linux" else None)
    if option is None or listener.family not in (socket.AF_INET, socket.AF_INET6):
        return
    program = ctypes.create_string_buffer(_DROP_ALL)
    with contextlib.suppress(OSError):
        listener.setsockopt(
            socket.SOL_SOCKET, option, struct.pack("HP", 1, ctypes.addressof(program))
        )


def stop_gracefully(server: Any, tracker: ConnectionTracker, timeout: float) -> None:
    """Stop a gevent server: close the listener, end idle connections, wait, then kill.

    Connections already in the listener's backlog are accepted first. Requests in progress
    get ``timeout`` seconds to finish; connections still running after that are killed.
    """
    accept_waiting_connections(server)
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
    #: Whether other processes accept from the same listener (``baseplate-serve`` sets it
    #: under Einhorn): the stop then leaves the listener's backlog to them.
    listener_shared = False

    @property
    def active_requests(self) -> int:
        """The number of requests being handled right now."""
        return self.tracker.active_requests

    def start_draining(self) -> None:
        """Start the drain: from now on every connection ends after its current response.

        ``baseplate-serve`` calls this when a shutdown signal arrives and ``drain_time`` is
        set; the listener keeps accepting until :meth:`stop`, so clients that kept their
        connection alive move to a new one instead of waiting on one about to close.

        .. versionadded:: 0.1.0
        """
        self.tracker.draining = True

    def stop(self, timeout: float | None = None) -> None:
        """Stop accepting, close idle connections and let in-flight requests finish.

        A connection whose next request has already arrived is served first (see
        :class:`ConnectionTracker`).

        Args:
            timeout: Seconds to wait for in-flight requests before killing them; the
                configured ``stop_timeout`` when ``None``.
        """
        stop_gracefully(self, self.tracker, self.stop_timeout if timeout is None else timeout)
