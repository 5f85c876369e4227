"""Running Baseplate services: ``baseplate-serve`` and its companions.

``baseplate-serve CONFIG`` reads an INI file, builds the application with the
``[app:main]`` section's factory, and serves it with the ``[server:main]`` section's server
(:mod:`baseplate.server.wsgi` or :mod:`baseplate.server.thrift`) on gevent. It shuts down
gracefully on SIGTERM, SIGUSR2 or SIGINT, logs every greenlet's stack on SIGUSR1, can run
under Einhorn (:mod:`baseplate.server.einhorn`), restarts on code changes with ``--reload``
(:mod:`baseplate.server.reloader`) and sends process-level metrics
(:mod:`baseplate.server.runtime_monitor`). ``baseplate-script``, ``baseplate-tshell`` and
``baseplate-healthcheck`` (:mod:`baseplate.server.healthcheck`) complete the toolkit.

This package itself holds the process's serving state, which health checks consult so that a
draining instance stops receiving traffic before it closes its listener::

    from baseplate.server import Probe, state

    def health(request):
        probe = Probe.parse(request.params.get("type", "readiness"))
        if not state().passes(probe):
            raise HTTPServiceUnavailable()
        return {"healthy": True}

Importing this package imports neither gevent nor the servers, so that ``baseplate-serve``
can monkey-patch before anything else is loaded.
"""

from __future__ import annotations

from types import FunctionType

from baseplate.server._config_file import ServiceConfig, read_config
from baseplate.server._errors import ConfigFileError, EinhornError, FactoryError, ServeError
from baseplate.server._logging import DEFAULT_LOG_FORMAT, configure_logging
from baseplate.server._server_section import MonitoringConfig, ServerSection, parse_server_section
from baseplate.server._state import Probe, ServerState, reset_state, set_state, state

__all__ = [
    "DEFAULT_LOG_FORMAT",
    "ConfigFileError",
    "EinhornError",
    "FactoryError",
    "MonitoringConfig",
    "Probe",
    "ServeError",
    "ServerSection",
    "ServerState",
    "ServiceConfig",
    "configure_logging",
    "parse_server_section",
    "read_config",
    "reset_state",
    "set_state",
    "state",
]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
