"""Transports: how encoded statsd payloads leave the process.

A payload is one or more statsd lines joined by ``\\n``, ASCII-encoded. A transport's ``send``
never raises: metrics are not worth failing a request over, so problems are logged instead.
"""

from __future__ import annotations

import errno
import logging
import socket
import time
from typing import Protocol, runtime_checkable

from baseplate.config import EndpointConfiguration
from baseplate.core import WarningLimiter

logger = logging.getLogger("baseplate.metrics")

#: The largest UDP payload IPv4 can carry (65,535 - 20 bytes of IP header - 8 of UDP header).
#: Datagrams this size are delivered whole on the loopback interface (MTU 65,536) and over
#: UNIX datagram sockets (whose limit is the send buffer, 212,992 bytes by default on Linux).
DEFAULT_MAX_PACKET_SIZE = 65507

# The largest payload each family can carry at all (IPv6 without jumbograms: 65,535 - 8).
_FAMILY_LIMITS: dict[int, int] = {socket.AF_INET: 65507, socket.AF_INET6: 65527}

# Errors after which a UNIX socket is still usable: the receiver is slow, or one datagram was
# too large. Any other error (the receiver went away or was replaced) means reconnecting.
_TRANSIENT_ERRNOS = frozenset({errno.EAGAIN, errno.EWOULDBLOCK, errno.ENOBUFS, errno.EMSGSIZE})

# How long to wait between attempts to connect a socket that could not be connected.
_RECONNECT_INTERVAL = 1.0


@runtime_checkable
class Transport(Protocol):
    """Where a :class:`~baseplate.metrics.Client` sends its encoded metrics.

    .. versionadded:: 0.1.0
    """

    def send(self, payload: bytes) -> None:
        """Send ``payload``: statsd lines joined by ``\\n``.

        Called on the thread (or greenlet) handling the request, so it must be quick and must
        never raise; failures are logged.
        """


class NullTransport:
    """A transport that discards everything, for when no metrics endpoint is configured.

    Payloads are logged at debug level on the ``baseplate.metrics`` logger.

    .. versionadded:: 0.1.0
    """

    def send(self, payload: bytes) -> None:
        """Discard ``payload``."""
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("Discarded metrics (no endpoint configured): %r", payload)


class DatagramTransport:
    """Sends metrics as datagrams: UDP to a host and port, or to a UNIX datagram socket.

    Each payload goes out as one datagram when it fits in ``max_packet_size`` bytes. A larger
    payload (a big batch) is split at line boundaries into as few datagrams as possible, each
    within the limit; a single line longer than the limit cannot be sent and is dropped with a
    warning naming its metric (at most one such warning every ten seconds, which says how many
    more lines were dropped since the previous one).

    The socket is non-blocking, so a statsd server that stops reading can never stall a
    request: a datagram that does not fit in the socket's queue is dropped. On Linux a UNIX
    datagram socket queues at most ``net.unix.max_dgram_qlen`` datagrams (10 by default) and
    ``net.core.wmem_default`` bytes (212,992) that the receiver has not read yet; a UDP
    receiver's queue is its ``SO_RCVBUF``.

    Sending never raises. A failed send is logged at warning level on the
    ``baseplate.metrics`` logger, with the payload's size in bytes, its number of lines and how
    many of its datagrams were lost -- at most one warning every ten seconds, which also says
    how many more payloads failed since the previous one, so a statsd server that is down
    cannot flood the log (or slow the service with logging) at one warning per request.
    :attr:`failed` counts every payload that was not sent whole. If the endpoint cannot be
    connected (a UNIX socket path that does not exist yet, a host name that does not
    resolve), connecting is retried at most once a second, when there is something to send.

    Args:
        endpoint: Where to send: an :data:`~socket.AF_INET` or :data:`~socket.AF_INET6`
            host and port (an :class:`~baseplate.config.InternetAddress` or any
            ``(host, port)`` two-tuple), or an :data:`~socket.AF_UNIX` path.
        max_packet_size: The largest datagram to send, in bytes. The default,
            :data:`DEFAULT_MAX_PACKET_SIZE` (65,507), is the most IPv4 UDP can carry and works
            on the loopback interface and on UNIX sockets. Over a real network, datagrams
            larger than the path MTU are fragmented, and losing one fragment loses the whole
            datagram: use 1,432 (an Ethernet frame) there.

    Attributes:
        max_packet_size: The largest datagram this transport sends, in bytes.

    Raises:
        ValueError: if the family is not supported or the address does not suit it, or
            ``max_packet_size`` is not a positive integer within what the family can carry
            (65,507 for IPv4, 65,527 for IPv6).

    .. versionadded:: 0.1.0
    """

    def __init__(
        self, endpoint: EndpointConfiguration, max_packet_size: int = DEFAULT_MAX_PACKET_SIZE
    ) -> None:
        family, given = endpoint
        address: str | tuple[str, int]
        if family == socket.AF_UNIX and isinstance(given, str):
            address = description = given
        elif family in _FAMILY_LIMITS and isinstance(given, tuple) and len(given) == 2:
            # An InternetAddress or any (host, port) pair, as the socket module takes it.
            host, port = address = given
            description = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        else:
            raise ValueError(f"metrics endpoints must be UDP or UNIX sockets, got {endpoint!r}")
        check_max_packet_size(max_packet_size, family)
        self.max_packet_size = max_packet_size
        self._family = family
        self._address = address
        self._description = description
        self._sock: socket.socket | None = None
        self._connect_error: OSError | None = None
        self._next_connect = 0.0
        self._failures = WarningLimiter()
        self._oversized = WarningLimiter()
        self._connect()

    def __repr__(self) -> str:
        return f"<DatagramTransport {self._description} max_packet_size={self.max_packet_size}>"

    @property
    def failed(self) -> int:
        """How many payloads could not be sent whole so far."""
        return self._failures.total

    def _connect(self) -> socket.socket | None:
        self._next_connect = time.monotonic() + _RECONNECT_INTERVAL
        sock = socket.socket(self._family, socket.SOCK_DGRAM)
        try:
            sock.setblocking(False)
            sock.connect(self._address)
        except OSError as exc:
            sock.close()
            if self._connect_error is None:
                logger.warning(
                    "Could not connect to the metrics endpoint %s (%s); metrics are dropped "
                    "until it can be reached",
                    self._description,
                    exc,
                )
            self._connect_error = exc
            return None
        if self._connect_error is not None:
            logger.info("Connected to the metrics endpoint %s", self._description)
        self._connect_error = None
        self._sock = sock
        return sock

    def _disconnect(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()

    def close(self) -> None:
        """Close the socket. A later :meth:`send` connects again."""
        self._disconnect()
        self._next_connect = 0.0

    def send(self, payload: bytes) -> None:
        """Send ``payload`` in one or more datagrams; never raises."""
        sock = self._sock
        if sock is None:
            if time.monotonic() >= self._next_connect:
                sock = self._connect()
            if sock is None:
                self._report(payload, f"not connected ({self._connect_error})")
                return
        if len(payload) <= self.max_packet_size:
            try:
                sock.send(payload)
            except OSError as exc:
                self._failed(payload, 1, 1, exc)
            return
        self._send_split(sock, payload)

    def _send_split(self, sock: socket.socket, payload: bytes) -> None:
        limit = self.max_packet_size
        size = len(payload)
        position = 0
        datagrams = failures = 0
        first_error: OSError | None = None
        while position < size:
            end = position + limit
            if end >= size:
                cut = size
            elif payload[end] == 0x0A:  # the datagram can end exactly at the limit
                cut = end
            else:
                cut = payload.rfind(b"\n", position, end)
                if cut == -1:  # the line starting here is longer than the limit
                    line_end = payload.find(b"\n", position)
                    if line_end == -1:
                        line_end = size
                    self._drop_line(payload[position:line_end])
                    position = line_end + 1
                    continue
            datagrams += 1
            try:
                sock.send(payload[position:cut])
            except OSError as exc:
                failures += 1
                if first_error is None:
                    first_error = exc
            position = cut + 1
        if first_error is not None:
            self._failed(payload, failures, datagrams, first_error)

    def _drop_line(self, line: bytes) -> None:
        due = self._oversized.count()
        if not due:
            return
        logger.warning(
            "Dropped metric %r: its statsd line is %d bytes, more than the maximum packet "
            "size of %d bytes%s",
            line.partition(b":")[0].decode("ascii", "replace"),
            len(line),
            self.max_packet_size,
            f"; {due - 1} more line(s) dropped since the last warning" if due > 1 else "",
        )

    def _failed(self, payload: bytes, failures: int, datagrams: int, error: OSError) -> None:
        if self._family == socket.AF_UNIX and error.errno not in _TRANSIENT_ERRNOS:
            # The receiving socket is gone (or was replaced): connect again next time.
            self._disconnect()
            self._next_connect = 0.0
        self._report(payload, f"{failures} of {datagrams} datagrams were lost ({error})")

    def _report(self, payload: bytes, detail: str) -> None:
        due = self._failures.count()
        if not due:
            return
        logger.warning(
            "Could not send a metrics batch of %d bytes (%d lines) to %s: %s%s",
            len(payload),
            payload.count(b"\n") + 1,
            self._description,
            detail,
            f"; {due - 1} more batch(es) failed since the last warning" if due > 1 else "",
        )


def check_max_packet_size(max_packet_size: int, family: int) -> None:
    """Raise ValueError unless ``max_packet_size`` suits an endpoint of ``family``."""
    if isinstance(max_packet_size, bool) or not isinstance(max_packet_size, int):
        raise ValueError(f"max_packet_size must be an integer, got {max_packet_size!r}")
    if max_packet_size < 1:
        raise ValueError(f"max_packet_size must be a positive integer, got {max_packet_size!r}")
    limit = _FAMILY_LIMITS.get(family)
    if limit is not None and max_packet_size > limit:
        raise ValueError(
            f"max_packet_size must be at most {limit}, the largest datagram "
            f"{socket.AddressFamily(family).name} can carry, got {max_packet_size!r}"
        )
