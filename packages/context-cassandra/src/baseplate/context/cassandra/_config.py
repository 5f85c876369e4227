"""The cluster made from the application's configuration."""

from __future__ import annotations

from typing import Any

from cassandra.cluster import Cluster

from baseplate import config

_MAX_PORT = 65535


def _port(text: str) -> int:
    port = config.Integer(text)
    if not 0 < port <= _MAX_PORT:
        raise ValueError(f"expected a TCP port from 1 to {_MAX_PORT}, got {text!r}")
    return port


def _full_key(prefix: str, name: str) -> str:
    return f"{prefix.rstrip('.')}.{name}" if prefix else name


_CLUSTER_SPEC = {
    "contact_points": config.Optional(config.TupleOf(config.String)),
    "port": config.Optional(_port),
}


def cluster_from_config(
    app_config: config.RawConfig, prefix: str = "cassandra.", **kwargs: Any
) -> Cluster:
    """Make a :class:`cassandra.cluster.Cluster` from the application's configuration.

    Reads these keys, with ``prefix`` in front of each, and passes each to the
    :class:`~cassandra.cluster.Cluster` constructor as the keyword argument of the same name:

    * ``contact_points`` (required unless given as a keyword argument): a comma-separated
      list of the hosts to try first to discover the cluster, such as ``10.0.0.1, 10.0.0.2``.
    * ``port``: the port the servers listen on for clients (the driver's default is 9042).

    No connection is opened here: the driver connects when ``cluster.connect()`` is called.

    Args:
        app_config: The application's raw configuration.
        prefix: The prefix of the keys, ``cassandra.`` by default.
        **kwargs: Passed on to the :class:`~cassandra.cluster.Cluster` constructor; they
            take precedence over the configuration (``contact_points=...`` makes the key
            optional).

    Returns:
        The cluster, not yet connected.

    Raises:
        baseplate.config.ConfigurationError: naming the key, when ``contact_points`` is
            missing (and not given as a keyword argument) or ``port`` is not a port number.

    .. versionadded:: 0.1.0
    """
    options = config.parse_config(app_config, _CLUSTER_SPEC, prefix=prefix)
    if options.contact_points:
        kwargs.setdefault("contact_points", options.contact_points)
    if options.port is not None:
        kwargs.setdefault("port", options.port)
    if not kwargs.get("contact_points"):
        raise config.ConfigurationError(
            _full_key(prefix, "contact_points"),
            "required: a comma-separated list of hosts, e.g. 10.0.0.1, 10.0.0.2",
        )
    return Cluster(**kwargs)
