"""The stop scenario of the drain test and of benchmarks/bench_serve_drain.py.

A real ``baseplate-serve`` process (WSGI or Thrift) with ``stop_timeout = 5 seconds``: 32 slow
requests (0.5 s) in flight, 8 closed-loop clients calling a fast route back to back over
kept-alive connections (Thrift ones through :class:`~baseplate.thrift_pool.ThriftConnectionPool`),
then SIGTERM, and 0.2 s later 8 new connections tried. A request is lost when it gets a reset,
an end-of-file before its answer, a timeout or a 5xx; a new connection refused once the
listener has closed is not a loss (its client stops there).

Every client runs in a thread of this process; every wait is bounded.
"""

from __future__ import annotations

import http.client
import signal
import socket
import textwrap
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from baseplate_testing import Processes

SLOW_REQUESTS = 32
SLOW_SECONDS = 0.5
CLIENTS = 8
NEW_CONNECTIONS_AFTER = 0.2
CLIENT_TIMEOUT = 10.0

WSGI_APP = textwrap.dedent(
    """
    import gevent


    def make_app(app_config):
        def app(environ, start_response):
            if environ["PATH_INFO"] == "/slow":
                gevent.sleep(float(app_config["slow_seconds"]))
            start_response("200 OK", [("Content-Length", "2")])
            return [b"ok"]
        return app
    """
)

THRIFT_APP = textwrap.dedent(
    """
    import gevent

    from baseplate.thrift import BaseplateServiceV2
    from baseplate.thrift.ttypes import IsHealthyProbe


    class Handler:
        def __init__(self, slow_seconds):
            self.slow_seconds = slow_seconds

        def is_healthy(self, request):
            if request.probe == IsHealthyProbe.STARTUP:
                gevent.sleep(self.slow_seconds)
            return True


    def make_processor(app_config):
        return BaseplateServiceV2.Processor(Handler(float(app_config["slow_seconds"])))
    """
)


@dataclass
class Trial:
    """What one run of the scenario counted."""

    answered: int = 0
    lost: int = 0
    refused: int = 0
    slow_answered: int = 0
    errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, what: str, error: BaseException | None = None) -> None:
        with self._lock:
            setattr(self, what, getattr(self, what) + 1)
            if error is not None and len(self.errors) < 20:
                self.errors.append(f"{what}: {type(error).__name__}: {error}")


def write_service(directory: Path, protocol: str, drain_time: float) -> Path:
    """Write the app and its INI for ``protocol`` (``wsgi`` or ``thrift``); return the INI."""
    if protocol == "wsgi":
        (directory / "drainapp.py").write_text(WSGI_APP)
        factory = "drainapp:make_app"
    else:
        (directory / "drainapp.py").write_text(THRIFT_APP)
        factory = "drainapp:make_processor"
    config = directory / "service.ini"
    config.write_text(
        f"[app:main]\nfactory = {factory}\nslow_seconds = {SLOW_SECONDS}\n\n"
        f"[server:main]\nfactory = baseplate.server.{protocol}\n"
        f"stop_timeout = 5 seconds\ndrain_time = {int(drain_time * 1000)} milliseconds\n"
    )
    return config


class _Refused(Exception):
    """A new connection was refused: the listener has closed."""


def _http_call(connection: http.client.HTTPConnection, path: str) -> None:
    try:
        connection.request("GET", path)
    except ConnectionRefusedError as exc:
        raise _Refused from exc
    response = connection.getresponse()
    response.read()
    if response.status >= 500:
        raise RuntimeError(f"answered {response.status}")


def _http_clients(port: int) -> tuple[Callable[[str], Callable[[], None]], Callable[[], None]]:
    def keep_alive(path: str) -> Callable[[], None]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
        return lambda: _http_call(connection, path)

    def one_off() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
        try:
            _http_call(connection, "/")
        finally:
            connection.close()

    return keep_alive, one_off


def _thrift_clients(port: int) -> tuple[Callable[[str], Callable[[], None]], Callable[[], None]]:
    from thrift.transport.TTransport import TTransportException

    from baseplate.config import EndpointConfiguration
    from baseplate.thrift import BaseplateServiceV2
    from baseplate.thrift.ttypes import IsHealthyProbe, IsHealthyRequest
    from baseplate.thrift_pool import ThriftConnectionPool

    endpoint = EndpointConfiguration(socket.AF_INET, ("127.0.0.1", port))

    def call(pool: ThriftConnectionPool, probe: int) -> None:
        try:
            with pool.connection() as protocol:
                BaseplateServiceV2.Client(protocol).is_healthy(IsHealthyRequest(probe=probe))
        except TTransportException as exc:
            if exc.type == TTransportException.NOT_OPEN and "to connect" in str(exc):
                raise _Refused from exc
            raise

    def keep_alive(path: str) -> Callable[[], None]:
        probe = IsHealthyProbe.STARTUP if path == "/slow" else IsHealthyProbe.READINESS
        pool = ThriftConnectionPool(endpoint, size=1, timeout=CLIENT_TIMEOUT, max_retries=1)
        return lambda: call(pool, probe)

    def one_off() -> None:
        pool = ThriftConnectionPool(endpoint, size=1, timeout=CLIENT_TIMEOUT, max_retries=1)
        call(pool, IsHealthyProbe.READINESS)

    return keep_alive, one_off


def run_trial(processes: Processes, directory: Path, protocol: str, drain_time: float) -> Trial:
    """Run the scenario once against a new ``baseplate-serve`` process; return its counts."""
    config = write_service(directory, protocol, drain_time)
    process, port = processes.serve(config, cwd=directory)
    keep_alive, one_off = (_http_clients if protocol == "wsgi" else _thrift_clients)(port)
    trial = Trial()
    stop = threading.Event()

    def attempt(call: Callable[[], None], what: str = "answered") -> bool:
        try:
            call()
        except _Refused:
            trial.count("refused")
            return False
        except Exception as exc:
            trial.count("lost", exc)
            return False
        trial.count(what)
        return True

    def loop(call: Callable[[], None]) -> None:
        while not stop.is_set() and attempt(call):
            pass

    slow = [
        threading.Thread(target=attempt, args=(keep_alive("/slow"), "slow_answered"))
        for _ in range(SLOW_REQUESTS)
    ]
    fast = [threading.Thread(target=loop, args=(keep_alive("/"),)) for _ in range(CLIENTS)]
    late = [threading.Thread(target=attempt, args=(one_off,)) for _ in range(CLIENTS)]
    threads = slow + fast + late
    for thread in threads:
        thread.daemon = True
    for thread in fast:
        thread.start()
    time.sleep(0.2)  # the fast clients are calling back to back
    for thread in slow:
        thread.start()
    time.sleep(SLOW_SECONDS / 2)  # the slow requests are in flight
    process.signal(signal.SIGTERM)
    time.sleep(NEW_CONNECTIONS_AFTER)
    for thread in late:
        thread.start()
    process.wait(timeout=30)
    stop.set()
    for thread in threads:
        thread.join(timeout=CLIENT_TIMEOUT + 5)
    return trial
