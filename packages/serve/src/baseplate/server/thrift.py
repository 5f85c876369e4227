"""The gevent Thrift server: ``factory = baseplate.server.thrift``.

The application factory must return a Thrift processor (an object with
``process(iprot, oprot)``), normally one wrapped by
``baseplate.integration.thrift.baseplateify_processor``. Clients may speak the THeader
protocol (which carries trace headers), or plain framed or unframed binary. Configuration
keys of the ``[server:NAME]`` section:

``max_concurrency``
    The most connections handled at once (optional; unlimited by default).
``stop_timeout``
    How long in-flight requests get to finish on shutdown, as a span of time
    (``30 seconds``) or a number of seconds (default 0: stop at once).
``max_frame_size``
    The largest frame read, in bytes (default 16 MiB). A connection whose next frame
    announces a longer length is closed, with one warning in the log, before any of the
    frame is read; so is one that sends a frame this side cannot parse (a negative length,
    a header running past its frame, a varint over ten bytes, an unknown client type). A
    frame naming an unknown transform is answered with an exception message instead.
``read_timeout``
    How long a client may stay silent while the server waits for a new connection's first
    call or for the rest of a call it has begun (default ``30 seconds``; ``0`` for no
    limit); the connection is closed when it runs out. A kept-alive connection waiting for
    its next call is not timed.

Example:

.. code-block:: ini

    [server:main]
    factory = baseplate.server.thrift
    stop_timeout = 10 seconds

A graceful stop answers every call a client has sent. While the server drains
(``drain_time``), each connection is closed after the call it answers, so pooled clients
open new connections while the listener still accepts
(:class:`~baseplate.thrift_pool.ThriftConnectionPool` sees the end-of-file before it hands a
connection out). When the drain ends, connections in the listener's backlog are accepted
and the listener is closed; then a connection whose next call has already arrived is
answered before it closes, one that has not sent its first call gets half a second to send
it, and one with nothing to read is closed at once. Calls in flight finish, up to
``stop_timeout``.

This module needs the ``thrift`` extra: ``pip install baseplate-serve[thrift]``.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Mapping
from typing import Any

from gevent.pool import Pool
from gevent.server import StreamServer
from thrift.protocol.TProtocol import TProtocolException
from thrift.transport.TTransport import TTransportException

from baseplate.integration.thrift import server_protocol_factory
from baseplate.server._connections import (
    ConnectionTracker,
    GracefulServerMixin,
    hold_until_close,
    set_no_delay,
    yield_to_other_connections,
)
from baseplate.server._server_section import parse_server_section

__all__ = ["BaseplateThriftServer", "make_server"]

logger = logging.getLogger(__name__)

_RECV_SIZE = 65536


class _ConnectionTransport:
    """A buffered Thrift transport over one accepted (gevent) socket.

    It owns its read buffer, so the server can tell whether a request is already waiting
    before it blocks for the next one. It has the methods of Thrift's ``TTransportBase`` that
    the header transport wrapped around it uses.
    """

    def __init__(self, sock: Any, read_timeout: float | None = None) -> None:
        self._sock = sock
        self._rbuf = b""
        self._wbuf: list[bytes] = []
        self._open = True
        self._read_timeout = read_timeout
        self._timeout: float | None = None  # the socket's, as last set

    def isOpen(self) -> bool:
        return self._open

    def open(self) -> None:
        raise TTransportException(TTransportException.ALREADY_OPEN, "accepted connection")

    def close(self) -> None:
        self._open = False
        self._sock.close()

    @property
    def has_buffered_input(self) -> bool:
        return bool(self._rbuf)

    def fill(self, *, timed: bool = True) -> bool:
        """Wait for more input; ``False`` at the end of the connection.

        Raises:
            TimeoutError: ``timed`` and nothing came within the read timeout.
        """
        timeout = self._read_timeout if timed else None
        if timeout != self._timeout:
            self._sock.settimeout(timeout)
            self._timeout = timeout
        try:
            data = self._sock.recv(_RECV_SIZE)
        except OSError as exc:
            if exc.errno in (errno.ECONNRESET, errno.ENOTCONN, errno.EBADF):
                return False
            raise
        self._rbuf += data
        return bool(data)

    def read(self, sz: int) -> bytes:
        if not self._rbuf and not self.fill():
            raise TTransportException(TTransportException.END_OF_FILE, "connection closed")
        chunk, self._rbuf = self._rbuf[:sz], self._rbuf[sz:]
        return chunk

    def readAll(self, sz: int) -> bytes:
        if len(self._rbuf) >= sz:
            chunk, self._rbuf = self._rbuf[:sz], self._rbuf[sz:]
            return chunk
        parts = []
        remaining = sz
        while remaining:
            chunk = self.read(remaining)
            parts.append(chunk)
            remaining -= len(chunk)
        return b"".join(parts)

    def write(self, buf: bytes) -> None:
        self._wbuf.append(buf)

    def flush(self) -> None:
        """Send what was written: one ``send`` call for a response that fits the socket buffer.

        gevent's ``sendall`` asks the kernel for the socket's buffer size on every call, a
        second system call per response; it is used only for what one ``send`` left over.
        """
        if self._wbuf:
            data = b"".join(self._wbuf)
            self._wbuf.clear()
            sent = self._sock.send(data)
            if sent < len(data):
                self._sock.sendall(memoryview(data)[sent:])


class BaseplateThriftServer(GracefulServerMixin, StreamServer):
    """A gevent stream server that runs a Thrift processor on each connection.

    Each connection handles one request after another until the client disconnects. Use
    :func:`make_server` to build one from configuration.

    Args:
        listener: The bound, listening socket.
        processor: The Thrift processor.
        max_concurrency: The most connections handled at once; ``None`` for no limit.
        stop_timeout: Seconds that in-flight requests get to finish in ``stop()``.
        max_frame_size: The largest frame read, in bytes; ``None`` for Apache Thrift's
            default (16,384,000).
        read_timeout: Seconds a client may stay silent while a first call, or the rest of
            a call begun, is awaited; ``None`` for no limit.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        listener: Any,
        processor: Any,
        *,
        max_concurrency: int | None = None,
        stop_timeout: float = 0.0,
        max_frame_size: int | None = None,
        read_timeout: float | None = None,
    ) -> None:
        super().__init__(listener, spawn=Pool(max_concurrency))
        self.processor = processor
        self.protocol_factory = server_protocol_factory(max_frame_size=max_frame_size)
        self.read_timeout = read_timeout
        self.stop_timeout = stop_timeout
        self.tracker = ConnectionTracker()

    def handle(self, sock: Any, address: Any) -> None:
        """Serve one connection (called by gevent in the connection's greenlet)."""
        set_no_delay(sock)
        tracker = self.tracker
        transport = _ConnectionTransport(sock, self.read_timeout)
        protocol = self.protocol_factory.getProtocol(transport)
        process = self.processor.process
        first = True
        last = False  # whether the call being answered is this connection's last
        try:
            while True:
                if not transport.has_buffered_input:
                    if not first:
                        if last:
                            break
                        yield_to_other_connections()
                    if not tracker.start_waiting(sock, first=first):
                        break
                    try:
                        # Only a new connection's first call is awaited with a timeout.
                        more = transport.fill(timed=first)
                    finally:
                        tracker.stop_waiting(sock)
                    if not more:
                        break
                first = False
                if tracker.ending and not last:
                    last = True
                    hold_until_close(sock)
                tracker.active_requests += 1
                try:
                    process(protocol, protocol)
                finally:
                    tracker.active_requests -= 1
        except TimeoutError:
            logger.info(
                "Closing the Thrift connection from %s: nothing received for %g seconds",
                address,
                self.read_timeout,
            )
        except (TTransportException, TProtocolException) as exc:
            if exc.type == TTransportException.END_OF_FILE and type(exc) is TTransportException:
                logger.debug("Thrift connection from %s ended: %s", address, exc)
            else:
                logger.warning("Closing the Thrift connection from %s: %s", address, exc)
        except (EOFError, OSError) as exc:
            logger.debug("Thrift connection from %s ended: %s", address, exc)
        except Exception:
            logger.exception("Unexpected error on the Thrift connection from %s", address)
        finally:
            transport.close()


def make_server(server_config: Mapping[str, str], listener: Any, app: Any) -> BaseplateThriftServer:
    """Make a gevent Thrift server for the processor ``app`` from the ``[server:NAME]`` section.

    Raises:
        baseplate.config.ConfigurationError: a key has a bad value.

    .. versionadded:: 0.1.0
    """
    section = parse_server_section(server_config)
    return BaseplateThriftServer(
        listener,
        app,
        max_concurrency=section.max_concurrency,
        stop_timeout=section.stop_timeout,
        max_frame_size=section.max_frame_size,
        read_timeout=section.read_timeout,
    )
