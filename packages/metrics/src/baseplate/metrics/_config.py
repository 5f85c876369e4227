"""Building a metrics client from the application's configuration."""

from __future__ import annotations

import datetime
import socket

from baseplate import config
from baseplate.core import Baseplate, ObserverPlugin

from ._client import Client, make_client
from ._names import check_namespace
from ._transport import DEFAULT_MAX_PACKET_SIZE, check_max_packet_size

#: How often :func:`metrics_client_from_config`'s clients send, unless configured.
DEFAULT_FLUSH_INTERVAL = datetime.timedelta(milliseconds=100)


def _namespace(text: str) -> str:
    namespace = config.String(text)
    check_namespace(namespace)
    return namespace


def _packet_size(text: str) -> int:
    size = config.Integer(text)
    check_max_packet_size(size, socket.AF_UNIX)  # the family's upper bound is checked later
    return size


_SPEC = {
    "metrics": {
        "namespace": _namespace,
        "endpoint": config.Optional(config.Endpoint),
        "max_packet_size": config.Optional(_packet_size, default=DEFAULT_MAX_PACKET_SIZE),
        "flush_interval": config.Optional(config.Timespan, default=DEFAULT_FLUSH_INTERVAL),
    }
}


def metrics_client_from_config(raw_config: config.RawConfig) -> Client:
    """Configure and return a metrics client.

    The options read, all under ``metrics.``:

    ``metrics.namespace``
        The root key to prefix all metrics in this application with (required).
    ``metrics.endpoint``
        Where statsd listens: ``host:port`` (UDP, e.g. ``localhost:8125``), ``[ipv6]:port``,
        or the path of a UNIX datagram socket. If empty or missing, the client discards all
        metrics.
    ``metrics.max_packet_size`` (optional)
        The largest datagram to send, in bytes; larger batches are split at line boundaries.
        Defaults to 65,507, which suits statsd on the same host; use 1,432 when statsd is
        across a real network. See :class:`~baseplate.metrics.DatagramTransport`.
    ``metrics.flush_interval`` (optional)
        How often a background worker sends the metrics requests have recorded, coalesced
        into as few datagrams as fit (a :class:`~baseplate.metrics.BufferedTransport`), so no
        request waits on a socket. Defaults to 100 milliseconds; ``0 seconds`` sends each
        batch from the request itself when it is flushed, as the original framework did.

    Example configuration:

    .. code-block:: ini

        metrics.namespace = myservice
        metrics.endpoint = localhost:8125

    Args:
        raw_config: The application configuration, e.g. the ``[app:main]`` section as a dict.

    Returns:
        A configured client.

    Raises:
        ConfigurationError: naming the key whose value is missing or not acceptable.

    .. versionadded:: 0.1.0
    """
    parsed = config.parse_config(raw_config, _SPEC).metrics
    endpoint = parsed.endpoint
    max_packet_size = parsed.max_packet_size
    if endpoint is not None:
        try:
            check_max_packet_size(max_packet_size, endpoint.family)
        except ValueError as exc:
            raise config.ConfigurationError("metrics.max_packet_size", exc) from None
    interval = parsed.flush_interval.total_seconds()
    return make_client(
        parsed.namespace,
        endpoint,
        max_packet_size=max_packet_size,
        flush_interval=interval if interval > 0 else None,
    )


def _configure_observer(baseplate: Baseplate, app_config: config.RawConfig, _: str) -> None:
    baseplate.configure_metrics(metrics_client_from_config(app_config))


#: What the ``baseplate.observers`` entry point ``metrics`` names.
observer_plugin = ObserverPlugin(("metrics.namespace",), _configure_observer)
