"""Helpers for baseplate-thrift's tests: the generated test service and a real Thrift server.

The test service's code (``baseplate_thrift_testgen``, generated from ``testservice.thrift``
by ``tools/thrift-codegen.sh``) lives next to the tests; it is registered as a top-level
package here so the tests can import it by name.

``serve_thrift`` starts a threaded server on a real socket that speaks the protocols a
Baseplate server accepts (THeader, framed and unframed binary), and stops it after the test.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import pathlib
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from thrift.Thrift import TApplicationException
from thrift.transport.TSocket import TSocket
from thrift.transport.TTransport import TBufferedTransport, TTransportException

from baseplate.config import EndpointConfiguration, InternetAddress
from baseplate.core import Baseplate, RequestContext
from baseplate.core.testing import RecordingObserver
from baseplate.integration.thrift import baseplateify_processor, server_protocol_factory

_GENERATED = "baseplate_thrift_testgen"
_JOIN_TIMEOUT = 5.0

logger = logging.getLogger(__name__)


def _register_generated_package() -> None:
    if _GENERATED in sys.modules:
        return
    package_dir = pathlib.Path(__file__).parent / _GENERATED
    spec = importlib.util.spec_from_file_location(
        _GENERATED, package_dir / "__init__.py", submodule_search_locations=[str(package_dir)]
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[_GENERATED] = module
    spec.loader.exec_module(module)


_register_generated_package()

from baseplate_thrift_testgen import TestService  # noqa: E402
from baseplate_thrift_testgen.ttypes import ExpectedException  # noqa: E402


class ThriftTestServer:
    """A thread-per-connection Thrift server on a real socket, for tests."""

    def __init__(self, processor: Any, listener: socket.socket) -> None:
        self.processor = processor
        self.listener = listener
        self.accepted = 0
        self._lock = threading.Lock()
        self._connections: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)

    @property
    def endpoint(self) -> EndpointConfiguration:
        address = self.listener.getsockname()
        if self.listener.family == socket.AF_UNIX:
            return EndpointConfiguration(socket.AF_UNIX, address)
        return EndpointConfiguration(socket.AF_INET, InternetAddress(address[0], address[1]))

    def start(self) -> None:
        self.listener.listen(16)
        self._acceptor.start()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return  # the listener was shut down
            with self._lock:
                if self._stopping.is_set():
                    conn.close()
                    return
                self.accepted += 1
                self._connections.append(conn)
                thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
                self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        handle = TSocket()
        handle.setHandle(conn)
        transport = TBufferedTransport(handle)
        protocol = server_protocol_factory().getProtocol(transport)
        try:
            while not self._stopping.is_set():
                self.processor.process(protocol, protocol)
        except TTransportException:
            pass  # the client went away (or the test server is stopping)
        except Exception:
            logger.exception("test server connection failed")
        finally:
            transport.close()

    def drop_connections(self) -> None:
        """Close every connection from the server's side (the server keeps listening)."""
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        self._acceptor.join(_JOIN_TIMEOUT)
        self.drop_connections()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(_JOIN_TIMEOUT)


def _bound_socket() -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    return listener


@pytest.fixture
def bound_listener() -> Iterator[socket.socket]:
    """A TCP socket bound to a free loopback port but not listening: connections are refused.

    Pass it to ``serve_thrift`` to start listening on that same port.
    """
    listener = _bound_socket()
    yield listener
    listener.close()


@pytest.fixture
def serve_thrift() -> Iterator[Callable[..., ThriftTestServer]]:
    """Return ``serve(processor, listener=None)``, which starts a server for the test.

    Without ``listener`` the server listens on a free loopback TCP port. Every server started
    is stopped when the test ends.
    """
    servers: list[ThriftTestServer] = []

    def serve(processor: Any, listener: socket.socket | None = None) -> ThriftTestServer:
        server = ThriftTestServer(processor, listener if listener is not None else _bound_socket())
        servers.append(server)
        server.start()
        return server

    yield serve
    for server in servers:
        server.stop()


@dataclass
class HandledCall:
    """What the example handler saw of one call."""

    method: str
    context: RequestContext
    raw_request_context: bytes | None
    headers: dict[str, bytes]


@dataclass
class ExampleHandler:
    """The test service's handler.

    ``example(x)`` returns ``2 * x``; for ``x < 0`` it raises the declared
    ``ExpectedException``, for ``x == 0`` a ``ValueError``, for ``x == 1`` a
    ``TApplicationException``. ``wait(ms)`` sleeps that long.
    """

    calls: list[HandledCall] = field(default_factory=list)

    def _record(self, method: str, context: RequestContext) -> None:
        self.calls.append(
            HandledCall(method, context, context.raw_request_context, dict(context.headers))
        )

    def is_healthy(self, context: RequestContext) -> bool:
        self._record("is_healthy", context)
        return True

    def example(self, context: RequestContext, x: int) -> int:
        self._record("example", context)
        if x < 0:
            raise ExpectedException(message=f"negative: {x}")
        if x == 0:
            raise ValueError("zero is not allowed")
        if x == 1:
            raise TApplicationException(TApplicationException.UNKNOWN, "one is odd")
        return 2 * x

    def wait(self, context: RequestContext, milliseconds: int) -> None:
        self._record("wait", context)
        time.sleep(milliseconds / 1000)


@dataclass
class Downstream:
    """A served TestService with a Baseplate whose spans are recorded."""

    server: ThriftTestServer
    baseplate: Baseplate
    recorder: RecordingObserver
    handler: ExampleHandler
    processor: Any
    original_processor: Any


@pytest.fixture
def downstream(serve_thrift: Callable[..., ThriftTestServer]) -> Callable[..., Downstream]:
    """Return ``start(**kwargs)``, which serves the test service baseplateified.

    Keyword arguments go to ``baseplateify_processor``, except ``wrap``: a function applied
    to the baseplateified processor before it is served.
    """

    def start(wrap: Callable[[Any], Any] | None = None, **kwargs: Any) -> Downstream:
        baseplate = Baseplate()
        recorder = RecordingObserver()
        baseplate.register(recorder)
        handler = ExampleHandler()
        original = TestService.Processor(handler)
        processor = baseplateify_processor(
            original, logging.getLogger("test.downstream"), baseplate, **kwargs
        )
        server = serve_thrift(wrap(processor) if wrap is not None else processor)
        return Downstream(server, baseplate, recorder, handler, processor, original)

    return start
