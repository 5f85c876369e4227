"""Running a server: build the app and server from configuration, serve, shut down well."""

from __future__ import annotations

import gc
import io
import logging
import os
import signal
from collections.abc import Callable, Mapping
from typing import Any

import gevent
import gevent.event
import gevent.util

from baseplate.config import EndpointConfiguration
from baseplate.server import einhorn, reloader, runtime_monitor
from baseplate.server._config_file import ServiceConfig
from baseplate.server._errors import ConfigFileError
from baseplate.server._listener import make_listener
from baseplate.server._loader import load_callable
from baseplate.server._server_section import ServerSection, parse_server_section
from baseplate.server._state import ServerState, set_state

logger = logging.getLogger("baseplate.server")

#: Signals that start a graceful shutdown: SIGTERM (Kubernetes, systemd), SIGUSR2 (Einhorn's
#: graceful-stop signal) and SIGINT (Ctrl-C). A second one cuts the shutdown short.
SHUTDOWN_SIGNALS = (signal.SIGTERM, signal.SIGUSR2, signal.SIGINT)


def make_app(service_config: ServiceConfig) -> Any:
    """Call the ``[app:NAME]`` section's factory with the whole section.

    Raises:
        FactoryError: the ``factory`` key is missing or names nothing callable.
    """
    factory = load_callable(
        service_config.app.get("factory", ""),
        key=f"[app:{service_config.app_name}] factory",
        default_attribute="make_app",
    )
    return factory(dict(service_config.app))


def make_server(
    service_config: ServiceConfig, section: ServerSection, listener: Any, app: Any
) -> Any:
    """Call the ``[server:NAME]`` section's factory as ``make_server(section, listener, app)``.

    ``section`` is that section parsed; the factory gets the section's raw keys.

    Raises:
        ConfigFileError: there is no server section.
        FactoryError: the ``factory`` key is missing or names nothing callable.
    """
    server_config = service_config.server
    if server_config is None:
        raise ConfigFileError(service_config.path, "no server section was read", "server")
    factory = load_callable(
        section.factory,
        key=f"[server:{service_config.server_name}] factory",
        default_attribute="make_server",
    )
    return factory(dict(server_config), listener, app)


def run_server(
    service_config: ServiceConfig,
    bind: EndpointConfiguration,
    environ: Mapping[str, str] = os.environ,
) -> None:
    """Build the listener, app and server from configuration and serve until signalled.

    The server section is parsed and checked first, before the listener and the app are
    made. Under Einhorn the master's socket is used and the master is sent its ACK once the
    app and server are built.

    Raises:
        baseplate.config.ConfigurationError: a key of the server section has a bad value.
    """
    section = parse_server_section(service_config.server or {})
    listener = make_listener(bind, environ)
    app = make_app(service_config)
    server = make_server(service_config, section, listener, app)
    if einhorn.is_worker(environ):
        if hasattr(server, "listener_shared"):
            server.listener_shared = True  # the other workers accept from it too
        einhorn.ack_startup(environ)
        logger.info("Told the Einhorn master this worker is ready")
    reloader.report_loaded_files([service_config.path])
    monitor = runtime_monitor.start(section.monitoring, app, server)
    try:
        serve_until_signalled(server, drain_time=section.drain_time)
    finally:
        if monitor is not None:
            monitor.stop()


class _Shutdown:
    def __init__(self) -> None:
        self.requested = gevent.event.Event()
        self.hurry = gevent.event.Event()

    def on_signal(self, signum: int) -> None:
        name = signal.Signals(signum).name
        if not self.requested.is_set():
            logger.info("Received %s: shutting down gracefully", name)
            self.requested.set()
        else:
            logger.warning("Received %s again: cutting the shutdown short", name)
            self.hurry.set()


def log_stacks() -> None:
    """Log the stack of every thread and greenlet (the SIGUSR1 handler)."""
    report = io.StringIO()
    gevent.util.print_run_info(file=report)
    logger.warning(
        "Stacks of all threads and greenlets, as requested by SIGUSR1:\n%s", report.getvalue()
    )


def serve_until_signalled(server: Any, *, drain_time: float = 0.0) -> None:
    """Start ``server`` and serve until a shutdown signal, then stop gracefully.

    On SIGTERM, SIGUSR2 or SIGINT: the state becomes :attr:`~ServerState.DRAINING` for
    ``drain_time`` seconds (readiness checks fail, requests are still served, and a server
    with a ``start_draining()`` method, as the built-in ones have, is told so: they end each
    connection after its current response), then
    :attr:`~ServerState.STOPPING` and ``server.stop()`` closes the listener and waits for
    in-flight requests (up to the server's ``stop_timeout``). A second signal ends the drain
    early, or, while stopping, kills the remaining requests. SIGUSR1 logs every greenlet's
    stack.
    """
    shutdown = _Shutdown()
    # Signal callbacks run in the event loop itself, which must never block: each one only
    # spawns a greenlet that does the work.
    watchers = [
        gevent.signal_handler(signum, _in_a_greenlet(shutdown.on_signal, signum))
        for signum in SHUTDOWN_SIGNALS
    ]
    watchers.append(gevent.signal_handler(signal.SIGUSR1, _in_a_greenlet(log_stacks)))
    try:
        gc.collect()  # start with a clean heap rather than collect during the first requests
        server.start()
        set_state(ServerState.SERVING)
        logger.info("Listening on %s", _describe_address(server))
        shutdown.requested.wait()

        if drain_time > 0:
            set_state(ServerState.DRAINING)
            start_draining = getattr(server, "start_draining", None)
            if callable(start_draining):
                start_draining()
            logger.info("Draining for %g seconds: readiness checks fail from now on", drain_time)
            shutdown.hurry.wait(drain_time)
            shutdown.hurry.clear()

        set_state(ServerState.STOPPING)
        logger.info("Stopping the server")
        stopped = gevent.event.Event()

        def stop() -> None:
            try:
                server.stop()
            finally:
                stopped.set()

        stopper = gevent.spawn(stop)
        gevent.wait([stopped, shutdown.hurry], count=1)
        if not stopped.is_set():
            server.stop(timeout=0)
        stopper.join()
        logger.info("Stopped")
    finally:
        for watcher in watchers:
            watcher.cancel()


def _in_a_greenlet(function: Callable[..., None], *args: Any) -> Callable[[], None]:
    def spawn() -> None:
        gevent.spawn(function, *args)

    return spawn


def _describe_address(server: Any) -> str:
    address = getattr(server, "address", None)
    if isinstance(address, tuple) and len(address) >= 2:
        host = address[0]
        return f"[{host}]:{address[1]}" if ":" in str(host) else f"{host}:{address[1]}"
    return str(address)
