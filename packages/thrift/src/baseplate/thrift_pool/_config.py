"""Building a connection pool from the application's configuration."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from baseplate.config import (
    Endpoint,
    Optional,
    Positive,
    PositiveInteger,
    RawConfig,
    Timespan,
    parse_config,
)
from baseplate.thrift_pool._pool import ThriftConnectionPool

_SPEC: dict[str, Callable[[str], Any]] = {
    "endpoint": Endpoint,
    "size": Optional(PositiveInteger, default=10),
    "max_age": Optional(Positive(Timespan), default=datetime.timedelta(minutes=1)),
    "timeout": Optional(Positive(Timespan), default=datetime.timedelta(seconds=1)),
    "max_retries": Optional(PositiveInteger, default=3),
}


def thrift_pool_from_config(
    app_config: RawConfig, prefix: str, **kwargs: Any
) -> ThriftConnectionPool:
    """Make a :class:`ThriftConnectionPool` from a configuration dictionary.

    The keys are read with ``prefix`` in front of them, e.g. ``example_service.endpoint``
    for the prefix ``"example_service."``. Each maps to the constructor argument of the
    same name:

    * ``endpoint`` (required): where the Thrift server is, e.g. ``localhost:9090``,
      ``[::1]:9090`` or ``/run/service.sock``.
    * ``size``: the size of the connection pool (default 10).
    * ``max_age``: the age at which a connection is recycled, as a span of time such as
      ``1 minute`` (the default).
    * ``timeout``: the maximum time a connection attempt or an RPC call can take, as a span
      of time (default ``1 second``).
    * ``max_retries``: the maximum number of attempts to open a connection (default 3).

    Keyword arguments are passed to the constructor and take precedence: a key given as a
    keyword argument is not read from the configuration at all.

    Example::

        pool = thrift_pool_from_config(app_config, "example_service.")
        with pool.connection() as protocol:
            client = ExampleService.Client(protocol)
            client.do_example_thing()

    Raises:
        ConfigurationError: naming the full key (prefix included) whose value is missing or
            invalid.

    .. versionadded:: 0.1.0
    """
    spec = {name: parser for name, parser in _SPEC.items() if name not in kwargs}
    options = parse_config(app_config, spec, prefix=prefix)
    options.update(kwargs)
    return ThriftConnectionPool(**options)
