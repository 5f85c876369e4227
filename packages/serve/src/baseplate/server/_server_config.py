"""Parsing of the ``[server:NAME]`` keys that every built-in server understands."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import NamedTuple

from baseplate import config


def _positive_integer(text: str) -> int:
    value = config.Integer(text)
    if value < 1:
        raise ValueError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _seconds(text: str) -> datetime.timedelta:
    try:
        seconds = float(text)
    except ValueError:
        raise ValueError(f"expected a number of seconds, got {text!r}") from None
    if not 0 <= seconds < 10**9:
        raise ValueError(f"expected a non-negative number of seconds, got {text!r}")
    return datetime.timedelta(seconds=seconds)


#: A span of time written as a :func:`~baseplate.config.Timespan` (``30 seconds``) or as a
#: plain number of seconds (``30``), as older configuration files do.
TimespanOrSeconds = config.Fallback(config.Timespan, _seconds)


class CommonServerConfig(NamedTuple):
    """The keys both built-in servers take."""

    max_concurrency: int | None
    """The most connections handled at once; ``None`` (the default) for no limit."""

    stop_timeout: float
    """Seconds that in-flight requests get to finish when the server stops (default 0)."""


def parse_common(server_config: Mapping[str, str]) -> CommonServerConfig:
    """Parse ``max_concurrency`` and ``stop_timeout``.

    Raises:
        baseplate.config.ConfigurationError: naming the key with a bad value.
    """
    parsed = config.parse_config(
        server_config,
        {
            "max_concurrency": config.Optional(_positive_integer, default=None),
            "stop_timeout": config.Optional(TimespanOrSeconds, default=datetime.timedelta(0)),
        },
    )
    return CommonServerConfig(
        max_concurrency=parsed.max_concurrency,
        stop_timeout=parsed.stop_timeout.total_seconds(),
    )
