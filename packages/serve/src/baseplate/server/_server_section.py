"""Parsing a ``[server:NAME]`` section: every key Baseplate reads there, in one place."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, NamedTuple

from baseplate import config

_NO_TIME = datetime.timedelta(0)

#: The default ``max_frame_size``: 16 MiB.
DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024
# Apache Thrift refuses a frame limit of a GiB or more.
_MAX_FRAME_SIZE_LIMIT = 1024 * 1024 * 1024 - 2
#: The default ``read_timeout``: 30 seconds.
DEFAULT_READ_TIMEOUT = datetime.timedelta(seconds=30)

# In the order the keys are checked, so the first bad one is the one reported.
_SPEC: dict[str, Any] = {
    "factory": config.Optional(config.String, default=""),
    "drain_time": config.Optional(config.Timespan, default=_NO_TIME),
    "monitoring": {
        "blocked_hub": config.Optional(config.Timespan, default=None),
        "concurrency": config.Optional(config.Boolean, default=True),
        "gc": {
            "stats": config.Optional(config.Boolean, default=True),
            "timing": config.Optional(config.Boolean, default=False),
        },
    },
    "max_concurrency": config.Optional(config.PositiveInteger, default=None),
    "max_frame_size": config.Optional(config.PositiveInteger, default=DEFAULT_MAX_FRAME_SIZE),
    "read_timeout": config.Optional(config.TimespanOrSeconds, default=DEFAULT_READ_TIMEOUT),
    "stop_timeout": config.Optional(config.TimespanOrSeconds, default=_NO_TIME),
    "handler": config.Optional(config.String, default=None),
}


class MonitoringConfig(NamedTuple):
    """The ``monitoring.*`` keys: which process-level metrics to send.

    See :mod:`baseplate.server.runtime_monitor` for the metrics each one turns on.

    .. versionadded:: 0.1.0
    """

    concurrency: bool
    """Whether to gauge the requests in flight (``monitoring.concurrency``, default ``True``)."""

    gc_stats: bool
    """Whether to gauge the garbage collector's counts (``monitoring.gc.stats``, default
    ``True``)."""

    gc_timing: bool
    """Whether to time each garbage collection (``monitoring.gc.timing``, default ``False``)."""

    blocked_hub: float | None
    """Report the event loop blocked for longer than this many seconds; ``None`` (the
    default) to not watch it (``monitoring.blocked_hub``, a span of time)."""


class ServerSection(NamedTuple):
    """A parsed ``[server:NAME]`` section, as returned by :func:`parse_server_section`.

    .. versionadded:: 0.1.0
    """

    factory: str
    """The ``module[:callable]`` that makes the server (``factory``); ``""`` when missing."""

    drain_time: float
    """Seconds between the shutdown signal and closing the listener, during which readiness
    checks fail (``drain_time``, a span of time; default 0)."""

    monitoring: MonitoringConfig
    """Which process-level metrics the ``monitoring.*`` keys turn on."""

    max_concurrency: int | None
    """The most connections a built-in server handles at once (``max_concurrency``); ``None``
    (the default) for no limit."""

    stop_timeout: float
    """Seconds that in-flight requests get to finish when a built-in server stops
    (``stop_timeout``, a span of time or a number of seconds; default 0)."""

    handler: str | None
    """The dotted name of the WSGI server's handler class (``handler``), if one is given."""

    max_frame_size: int = DEFAULT_MAX_FRAME_SIZE
    """The largest Thrift frame the Thrift server reads, in bytes (``max_frame_size``; default
    16 MiB, at most 1 GiB - 2): a connection that announces a longer one is closed before
    any of it is read."""

    read_timeout: float | None = DEFAULT_READ_TIMEOUT.total_seconds()
    """Seconds a client may stay silent while the server waits for a new connection's first
    request or for the rest of a request it has begun (``read_timeout``, a span of time or
    a number of seconds; default 30; ``0`` for no limit, ``None`` here). The connection is
    closed when it runs out. A kept-alive connection waiting for its next request is not
    timed."""


def parse_server_section(section: Mapping[str, str]) -> ServerSection:
    """Parse and check the keys of a ``[server:NAME]`` section that Baseplate reads.

    ``baseplate-serve`` calls this once at startup, before the application is built, and
    the built-in servers' ``make_server`` call it on the section they are given. Keys it
    does not know are left for the server factory and not checked.

    Args:
        section: The section's keys and values, e.g. :attr:`ServiceConfig.server`.

    Returns:
        Every key's value, with its default where the key is missing.

    Raises:
        baseplate.config.ConfigurationError: A key has a bad value; the error names it
            (e.g. ``stop_timeout: expected a span of time ...``).

    .. versionadded:: 0.1.0
    """
    parsed = config.parse_config(section, _SPEC)
    if parsed.max_frame_size > _MAX_FRAME_SIZE_LIMIT:
        raise config.ConfigurationError(
            "max_frame_size",
            f"expected a number of bytes of at most {_MAX_FRAME_SIZE_LIMIT},"
            f" got {parsed.max_frame_size!r}",
        )
    read_timeout = parsed.read_timeout.total_seconds()
    monitoring = parsed.monitoring
    blocked_hub: datetime.timedelta | None = monitoring.blocked_hub
    return ServerSection(
        factory=parsed.factory,
        drain_time=parsed.drain_time.total_seconds(),
        monitoring=MonitoringConfig(
            concurrency=monitoring.concurrency,
            gc_stats=monitoring.gc.stats,
            gc_timing=monitoring.gc.timing,
            blocked_hub=blocked_hub.total_seconds() if blocked_hub is not None else None,
        ),
        max_concurrency=parsed.max_concurrency,
        stop_timeout=parsed.stop_timeout.total_seconds(),
        handler=parsed.handler,
        max_frame_size=parsed.max_frame_size,
        read_timeout=read_timeout or None,
    )
