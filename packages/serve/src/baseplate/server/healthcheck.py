"""``baseplate-healthcheck``: ask a running service whether it is healthy.

::

    baseplate-healthcheck thrift 127.0.0.1:9090
    baseplate-healthcheck wsgi /run/myservice.sock --probe liveness

``thrift`` calls ``BaseplateServiceV2.is_healthy`` with the probe (falling back to the older
``BaseplateService.is_healthy`` when the server does not know the method); the service is
healthy when it returns true. ``wsgi`` sends ``GET /health?type=<probe number>``; the service is
healthy when the status is 2xx and the body is JSON. The endpoint is ``host:port``,
``[ipv6]:port`` or the path of a UNIX socket (containing a ``/``).

On success the tool prints ``OK!`` and exits 0; otherwise it prints what went wrong and exits
1. The ``thrift`` check needs the ``thrift`` extra (``baseplate-serve[thrift]``).
"""

from __future__ import annotations

import argparse
import http.client
import importlib
import json
import socket
import sys
from collections.abc import Sequence
from typing import Any

from baseplate.config import Endpoint, EndpointConfiguration
from baseplate.server._state import Probe

__all__ = ["HealthCheckError", "check_thrift_service", "check_wsgi_service", "main"]

DEFAULT_TIMEOUT = 5.0


class HealthCheckError(Exception):
    """The service answered, and is not healthy (or answered something unexpected).

    .. versionadded:: 0.1.0
    """


class _UnixHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection over a UNIX domain socket."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


def check_wsgi_service(
    endpoint: EndpointConfiguration,
    probe: Probe = Probe.READINESS,
    timeout: float = DEFAULT_TIMEOUT,
) -> None:
    """Check an HTTP service with ``GET /health?type=<probe number>``.

    Args:
        endpoint: The service's address: a UNIX socket path, or a host and port (an
            :class:`~baseplate.config.InternetAddress` or any ``(host, port)`` pair).
        probe: Which health question to ask.
        timeout: Seconds to wait for the connection and the answer.

    Raises:
        HealthCheckError: the status is not 2xx or the body is not JSON.
        OSError: the service cannot be reached (``TimeoutError`` after ``timeout``).

    .. versionadded:: 0.1.0
    """
    address = endpoint.address
    connection: http.client.HTTPConnection
    if isinstance(address, str):
        connection = _UnixHTTPConnection(address, timeout)
    else:
        host, port = address
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", f"/health?type={int(probe)}")
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    if not 200 <= response.status < 300:
        raise HealthCheckError(
            f"/health answered {response.status} {response.reason}: {body[:200]!r}"
        )
    try:
        json.loads(body)
    except ValueError:
        raise HealthCheckError(f"/health did not answer with JSON: {body[:200]!r}") from None


def check_thrift_service(
    endpoint: EndpointConfiguration,
    probe: Probe = Probe.READINESS,
    timeout: float = DEFAULT_TIMEOUT,
) -> None:
    """Check a Thrift service with ``is_healthy``.

    Uses the THeader protocol. ``BaseplateServiceV2.is_healthy(IsHealthyRequest(probe))`` is
    tried first; if the server answers that it does not know the method,
    ``BaseplateService.is_healthy()`` is called instead.

    Args:
        endpoint: The service's address, in the forms :func:`check_wsgi_service` takes.
        probe: The probe sent in the ``IsHealthyRequest``.
        timeout: Seconds that connecting and each read or write may take.

    Raises:
        HealthCheckError: the service says it is unhealthy.
        thrift.Thrift.TException: the call failed (e.g. a transport error or time-out).
        baseplate.core.MissingDistributionError: baseplate-thrift is not installed.

    .. versionadded:: 0.1.0
    """
    try:
        from thrift.protocol.THeaderProtocol import THeaderProtocolFactory
        from thrift.Thrift import TApplicationException
        from thrift.transport.TSocket import TSocket

        # The generated modules are untyped; they are used through Any.
        service_v1: Any = importlib.import_module("baseplate.thrift.BaseplateService")
        service_v2: Any = importlib.import_module("baseplate.thrift.BaseplateServiceV2")
        ttypes: Any = importlib.import_module("baseplate.thrift.ttypes")
    except ModuleNotFoundError as exc:
        from baseplate.core import MissingDistributionError

        raise MissingDistributionError("the thrift health check", "baseplate-thrift") from exc

    address = endpoint.address
    if isinstance(address, str):
        sock = TSocket(unix_socket=address)
    else:
        host, port = address
        sock = TSocket(host, port)
    sock.setTimeout(timeout * 1000)
    protocol = THeaderProtocolFactory().getProtocol(sock)
    sock.open()
    try:
        try:
            healthy = service_v2.Client(protocol).is_healthy(
                ttypes.IsHealthyRequest(probe=int(probe))
            )
        except TApplicationException as exc:
            if exc.type != TApplicationException.UNKNOWN_METHOD:
                raise
            healthy = service_v1.Client(protocol).is_healthy()
    finally:
        sock.close()
    if not healthy:
        raise HealthCheckError("the service says it is not healthy")


def make_parser() -> argparse.ArgumentParser:
    """The argument parser of ``baseplate-healthcheck``."""
    parser = argparse.ArgumentParser(
        prog="baseplate-healthcheck", description="Check the health of a Baseplate service."
    )
    parser.add_argument("type", choices=["thrift", "wsgi"], help="the protocol of the service")
    parser.add_argument(
        "endpoint", type=_endpoint, help="host:port, [ipv6]:port or a UNIX socket path"
    )
    parser.add_argument(
        "--probe",
        type=_probe,
        default=Probe.READINESS,
        metavar="{readiness,liveness,startup}",
        help="which health question to ask (default: readiness)",
    )
    parser.add_argument(
        "--timeout",
        type=_timeout,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="give up after this many seconds (default: %(default)s)",
    )
    return parser


def _endpoint(text: str) -> EndpointConfiguration:
    try:
        return Endpoint(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _probe(text: str) -> Probe:
    try:
        return Probe.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``baseplate-healthcheck``. Exits 0 when healthy, 1 otherwise."""
    args = make_parser().parse_args(argv)
    check = check_thrift_service if args.type == "thrift" else check_wsgi_service
    try:
        check(args.endpoint, args.probe, args.timeout)
    except Exception as exc:
        description = str(exc) or repr(exc)
        sys.stderr.write(f"unhealthy: {type(exc).__name__}: {description}\n")
        raise SystemExit(1) from None
    sys.stdout.write("OK!\n")
