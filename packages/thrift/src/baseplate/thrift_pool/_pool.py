"""A pool of Thrift client connections to one endpoint."""

from __future__ import annotations

import collections
import contextlib
import datetime
import logging
import select
import socket
import threading
import time
from types import TracebackType
from typing import Any

from thrift.protocol.THeaderProtocol import THeaderProtocolFactory
from thrift.Thrift import TException
from thrift.transport.TSocket import TSocket
from thrift.transport.TTransport import TBufferedTransport, TTransportException

from baseplate._thrift import LOW_LEVEL_ERRORS
from baseplate.config import EndpointConfiguration
from baseplate.retry import RetryPolicy

logger = logging.getLogger(__name__)

# The base of the exponential backoff between attempts to connect (seconds): attempts after the
# first wait 20 ms, 40 ms, 80 ms, ...
_CONNECT_BACKOFF = 0.02


def _seconds(name: str, value: float | datetime.timedelta) -> float:
    if isinstance(value, datetime.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise TypeError(f"{name} must be a number of seconds or a timedelta, got {value!r}")
    if not seconds > 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return seconds


def _positive_int(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def describe_endpoint(endpoint: EndpointConfiguration) -> str:
    """Return ``host:port``, ``[v6-address]:port`` or the socket path, for messages."""
    if isinstance(endpoint.address, str):
        return endpoint.address
    host, port = endpoint.address
    if endpoint.family == socket.AF_INET6:
        return f"[{host}]:{port}"
    return f"{host}:{port}"


class _Connection:
    """An open protocol, its socket and when its connection was made."""

    __slots__ = ("created", "protocol", "socket")

    def __init__(self, protocol: Any, created: float, sock: TSocket) -> None:
        self.protocol = protocol
        self.created = created
        self.socket = sock

    def close(self) -> None:
        self.protocol.trans.close()

    def closed_by_server(self) -> bool:
        """Whether the server has ended the connection, seen without blocking.

        Between calls the server has nothing to send, so anything readable (an end-of-file,
        a reset, or bytes no call asked for) means the connection cannot be used.
        """
        handle = self.socket.handle
        if handle is None:
            return True
        try:
            readable, _, _ = select.select([handle], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)


class ThriftConnectionPool:
    """A pool that maintains a queue of open Thrift connections.

    Connections are made lazily, when a request finds no open connection in the pool, and
    are reused most-recently-returned first. A connection older than ``max_age`` is closed
    and replaced when it is next taken from the pool, as is one the server has closed: before
    handing a pooled connection out, the pool looks (without blocking) for an end-of-file or
    anything else readable on its socket, so a call is never sent into a connection the
    server has ended, as a server ending each connection after its call while it drains does.

    The pool has ``size`` slots. :meth:`connection` takes a slot (waiting up to ``timeout``
    seconds for one), and always gives it back, whatever happens: a failed connection
    attempt, a timeout, an exception in the caller's code, even a :exc:`BaseException` such
    as a gevent timeout. Waiting for a slot and giving it back are built so that an
    interruption cannot lose a slot.

    All exceptions raised by the pool derive from
    :exc:`~thrift.transport.TTransport.TTransportException`.

    Args:
        endpoint: The remote address of the Thrift service (TCP over IPv4 or IPv6, or a UNIX
            domain socket).
        size: The maximum number of connections that can be open at once; more requests
            wait.
        max_age: The maximum number of seconds (or a timedelta) a connection is kept alive.
        timeout: The maximum number of seconds (or a timedelta) to wait for a slot, for one
            connection attempt, and for each read or write of an RPC call.
        max_retries: The maximum number of attempts made to open a connection before
            giving up; attempts after the first are spaced out by a short exponential
            backoff (20 ms, 40 ms, ...).
        protocol_factory: Makes the protocol for each new connection from its (buffered
            socket) transport. The default,
            :class:`~thrift.protocol.THeaderProtocol.THeaderProtocolFactory`, can carry the
            trace headers; use another for services that do not speak THeader.

    Raises:
        TypeError: if ``endpoint`` is not an
            :class:`~baseplate.config.EndpointConfiguration`, or a time is of the wrong type.
        ValueError: if ``size``, ``max_age``, ``timeout`` or ``max_retries`` is not positive,
            or the endpoint's address family is not supported.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        endpoint: EndpointConfiguration,
        size: int = 10,
        max_age: float | datetime.timedelta = 120,
        timeout: float | datetime.timedelta = 1,
        max_retries: int = 3,
        protocol_factory: Any = None,
    ) -> None:
        if not isinstance(endpoint, EndpointConfiguration):
            raise TypeError(
                f"endpoint must be a baseplate.config.EndpointConfiguration (for example from "
                f"baseplate.config.Endpoint('host:port')), got {endpoint!r}"
            )
        if endpoint.family not in (socket.AF_INET, socket.AF_INET6, socket.AF_UNIX):
            raise ValueError(f"unsupported address family for a Thrift endpoint: {endpoint!r}")
        self.endpoint = endpoint
        self.size = _positive_int("size", size)
        self.max_age = _seconds("max_age", max_age)
        self.timeout = _seconds("timeout", timeout)
        self.max_retries = _positive_int("max_retries", max_retries)
        self.protocol_factory = (
            protocol_factory if protocol_factory is not None else THeaderProtocolFactory()
        )
        self._address = describe_endpoint(endpoint)
        # The slots: None for an empty one, else an open connection. The semaphore counts the
        # slots in the deque. Both only ever change in the order "append, then release" and
        # "acquire, then pop", and neither deque operation can block or be interrupted, so
        # the count never exceeds the deque's length and no interruption can lose a slot.
        self._slots: collections.deque[_Connection | None] = collections.deque([None] * size)
        self._available = threading.Semaphore(size)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._address} size={self.size}>"

    def connection(self) -> contextlib.AbstractContextManager[Any]:
        """Acquire a connection from the pool.

        Use it as a context manager; it yields the connection's protocol, ready for a
        generated client::

            with pool.connection() as protocol:
                client = ExampleService.Client(protocol)
                client.do_example_thing()

        A slot is taken when the block is entered, waiting up to ``timeout`` seconds for one,
        and a connection opened in it if it holds none. When the block ends normally, or by
        an exception the service's IDL declares, the connection goes back to the pool. When
        it ends by any other exception (a transport, protocol or application error from
        Thrift, or anything not from Thrift) the state of the connection is unknown, so it is
        closed and the slot returns empty. A :exc:`socket.timeout` escaping the block becomes
        a ``TTransportException`` of type ``TIMED_OUT``, any other :exc:`OSError` one of type
        ``UNKNOWN``.

        Raises:
            ~thrift.transport.TTransport.TTransportException: ``NOT_OPEN`` if no slot
                became free within ``timeout`` ("timed out waiting for a connection slot") or
                no connection could be opened in ``max_retries`` attempts; ``TIMED_OUT`` or
                ``UNKNOWN`` as above.
        """
        return _PooledConnection(self)

    def _acquire(self) -> _Connection:
        if not self._available.acquire(timeout=self.timeout):
            raise TTransportException(
                TTransportException.NOT_OPEN, "timed out waiting for a connection slot"
            )
        # From here until it is handed out, the slot is ours: every way out of this block
        # either hands it to the caller (who releases it) or puts it back.
        conn = self._slots.pop()
        try:
            if conn is not None and (
                time.monotonic() - conn.created > self.max_age or conn.closed_by_server()
            ):
                conn.close()
                conn = None
            if conn is None:
                conn = self._connect()
        except BaseException:
            self._release(conn, reusable=False)
            raise
        return conn

    def _release(self, conn: _Connection | None, reusable: bool) -> None:
        try:
            if conn is not None and not reusable:
                conn.close()
        finally:
            self._slots.append(conn if reusable else None)
            self._available.release()

    def _make_socket(self) -> Any:
        endpoint = self.endpoint
        if isinstance(endpoint.address, str):
            sock = TSocket(unix_socket=endpoint.address)
        else:
            host, port = endpoint.address
            sock = TSocket(host, port, socket_family=endpoint.family)
        sock.setTimeout(self.timeout * 1000)
        return sock

    def _connect(self) -> _Connection:
        last_error: Exception | None = None
        attempt = 0
        for _ in RetryPolicy.new(attempts=self.max_retries, backoff=_CONNECT_BACKOFF):
            attempt += 1
            sock = self._make_socket()
            transport = TBufferedTransport(sock)
            try:
                transport.open()
            except (TTransportException, OSError) as exc:
                last_error = exc
                logger.debug(
                    "connection attempt %d of %d to %s failed: %s",
                    attempt,
                    self.max_retries,
                    self._address,
                    exc,
                )
                continue
            try:
                protocol = self.protocol_factory.getProtocol(transport)
            except BaseException:
                transport.close()
                raise
            return _Connection(protocol, time.monotonic(), sock)
        raise TTransportException(
            TTransportException.NOT_OPEN,
            f"giving up after {attempt} attempt(s) to connect to {self._address}: {last_error}",
        ) from last_error


class _PooledConnection:
    """The context manager :meth:`ThriftConnectionPool.connection` returns.

    This is a class rather than a :func:`contextlib.contextmanager` generator on purpose:
    older Thrift compilers (Debian bookworm's 0.17 among them) generate exceptions none of
    whose attributes can be assigned, and on Python 3.11 a generator-based context manager
    assigns ``__traceback__`` on the exception passing through it, which would turn every IDL
    exception into a ``TypeError``.
    """

    __slots__ = ("_conn", "_pool")

    def __init__(self, pool: ThriftConnectionPool) -> None:
        self._pool = pool
        self._conn: _Connection | None = None

    def __enter__(self) -> Any:
        self._conn = self._pool._acquire()
        return self._conn.protocol

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        pool = self._pool
        # An IDL exception means the call completed and the connection is fine; any other
        # exception leaves it in an unknown state.
        reusable = exc is None or (
            isinstance(exc, TException) and not isinstance(exc, LOW_LEVEL_ERRORS)
        )
        if conn is not None:
            pool._release(conn, reusable)
        if isinstance(exc, TimeoutError):
            raise TTransportException(
                TTransportException.TIMED_OUT, f"timed out talking to {pool._address}: {exc}"
            ) from exc
        if isinstance(exc, OSError):
            raise TTransportException(
                TTransportException.UNKNOWN, f"socket error talking to {pool._address}: {exc}"
            ) from exc
