"""The connection and exchange made from the application's configuration."""

from __future__ import annotations

from typing import Any

from kombu.connection import Connection
from kombu.entity import Exchange

from baseplate import config

_CONNECTION_SPEC = {
    "hostname": config.Optional(config.String),
    "virtual_host": config.Optional(config.String),
}

# The broker's built-in exchange types; plugins add more, named x-<something>.
_EXCHANGE_TYPES = ("direct", "fanout", "headers", "topic")

_EXCHANGE_SPEC = {
    "exchange_name": config.Optional(config.String, default=""),
    "exchange_type": config.Optional(config.String),
}


def _full_key(prefix: str, name: str) -> str:
    return f"{prefix.rstrip('.')}.{name}" if prefix else name


def connection_from_config(
    app_config: config.RawConfig, prefix: str = "amqp.", **kwargs: Any
) -> Connection:
    """Make a :class:`kombu.Connection` from the application's configuration.

    Reads these keys, with ``prefix`` in front of each:

    * ``hostname`` (required unless given as a keyword argument): the broker's URL, such as
      ``amqp://guest:guest@rabbitmq.local:5672//``.
    * ``virtual_host``: the virtual host to use, overriding the URL's.

    The connection is not opened here: kombu connects on first use.

    Args:
        app_config: The application's raw configuration.
        prefix: The prefix of the keys, ``amqp.`` by default.
        **kwargs: Passed on to the :class:`kombu.Connection` constructor; they take
            precedence over the configuration (``hostname=...`` makes the key optional).

    Raises:
        baseplate.config.ConfigurationError: naming the key, when ``hostname`` is missing
            (and not given as a keyword argument) or a value is empty.

    .. versionadded:: 0.1.0
    """
    options = config.parse_config(app_config, _CONNECTION_SPEC, prefix=prefix)
    virtual_host = kwargs.pop("virtual_host", None) or options.virtual_host
    if options.hostname:
        kwargs.setdefault("hostname", options.hostname)
    if not kwargs.get("hostname"):
        raise config.ConfigurationError(
            _full_key(prefix, "hostname"),
            "required: the broker's URL, e.g. amqp://guest:guest@localhost:5672//",
        )
    connection = Connection(**kwargs)
    if virtual_host:
        # kombu lets a URL's path override the virtual_host argument; here the key wins.
        connection.virtual_host = virtual_host
    return connection


def exchange_from_config(
    app_config: config.RawConfig, prefix: str = "amqp.", **kwargs: Any
) -> Exchange:
    """Make a :class:`kombu.Exchange` from the application's configuration.

    Reads these keys, with ``prefix`` in front of each:

    * ``exchange_name``: the exchange's name; default ``""``, the broker's default exchange,
      which routes a message to the queue named by its routing key.
    * ``exchange_type`` (required unless given as ``type=``): ``direct``, ``topic``,
      ``fanout``, ``headers``, or a plugin's type (named ``x-...``).

    Args:
        app_config: The application's raw configuration.
        prefix: The prefix of the keys, ``amqp.`` by default.
        **kwargs: Passed on to the :class:`kombu.Exchange` constructor; they take
            precedence over the configuration.

    Raises:
        baseplate.config.ConfigurationError: naming the key, when ``exchange_type`` is
            missing (and not given as ``type=``) or is not one of the types above.

    .. versionadded:: 0.1.0
    """
    options = config.parse_config(app_config, _EXCHANGE_SPEC, prefix=prefix)
    kwargs.setdefault("name", options.exchange_name)
    if options.exchange_type:
        kwargs.setdefault("type", options.exchange_type)
    kind = kwargs.get("type")
    if not isinstance(kind, str) or not (kind in _EXCHANGE_TYPES or kind.startswith("x-")):
        raise config.ConfigurationError(
            _full_key(prefix, "exchange_type"),
            f"expected one of {', '.join(_EXCHANGE_TYPES)} or a plugin's x-... type, got {kind!r}",
        )
    return Exchange(**kwargs)
