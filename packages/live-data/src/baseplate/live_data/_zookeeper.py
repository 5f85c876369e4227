"""Making a ZooKeeper client (kazoo) from a service's configuration."""

from __future__ import annotations

import datetime
import sys
from typing import Any

from kazoo.client import KazooClient

from baseplate import config
from baseplate.secrets import CorruptSecretError, SecretsStore

#: ``zookeeper.timeout`` when it is not set.
DEFAULT_TIMEOUT = datetime.timedelta(seconds=5)

# Reconnecting never gives up: the first retry after 0.1 s, each wait twice the last (spread
# by up to half either way, so that a fleet of clients does not come back in step), at most a
# minute.
_CONNECTION_RETRY = {
    "max_tries": -1,
    "delay": 0.1,
    "backoff": 2,
    "max_jitter": 0.5,
    "max_delay": 60,
}

_SPEC: dict[str, Any] = {
    "hosts": config.String,
    "credentials": config.Optional(config.TupleOf(config.String), default=[]),
    "timeout": config.Optional(config.Positive(config.TimespanOrSeconds), default=DEFAULT_TIMEOUT),
}


def _gevent_patched() -> bool:
    # Only a process that imported gevent.monkey can be patched; importing it here would not
    # tell more, and would load gevent into processes that never use it.
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and bool(monkey.is_module_patched("socket"))


def _handler() -> Any:
    if _gevent_patched():
        from kazoo.handlers.gevent import SequentialGeventHandler

        return SequentialGeventHandler()
    from kazoo.handlers.threading import SequentialThreadingHandler

    return SequentialThreadingHandler()


def _digest(secrets: SecretsStore, path: str) -> tuple[str, str]:
    credential = secrets.get_simple(path)
    try:
        text = credential.decode("utf-8")
    except UnicodeDecodeError:
        raise CorruptSecretError(path, "expected UTF-8 text 'username:password'") from None
    username, colon, _ = text.partition(":")
    if not (username and colon):
        raise CorruptSecretError(path, "expected 'username:password' (value redacted)")
    return ("digest", text)


def zookeeper_client_from_config(
    secrets: SecretsStore | None,
    app_config: config.RawConfig,
    read_only: bool | None = None,
    *,
    prefix: str = "zookeeper.",
) -> KazooClient:
    """Make a ZooKeeper client (:class:`kazoo.client.KazooClient`) from the configuration.

    The keys, under ``prefix``:

    ``hosts``
        The servers, comma-separated ``host:port``, optionally followed by a chroot that
        every path is then relative to: ``zk01:2181,zk02:2181/my-service``.
    ``credentials`` (optional)
        Comma-separated paths of *simple* secrets in ``secrets`` whose values are
        ``username:password``; each is sent as ``digest`` authentication when the client
        connects (and again on every reconnection).
    ``timeout`` (optional)
        The session timeout, which is also how long each connection attempt may take
        (``5 seconds`` by default; plain numbers are seconds).

    The client is not started: call its ``start()`` (which waits for the connection) or
    ``start_async()``. Once started it reconnects forever when the connection is lost,
    waiting 0.1 s before the first attempt and twice as long before each next one, up to a
    minute, with some jitter. In a process that gevent has monkey-patched (``socket``
    patched through ``gevent.monkey``), the client uses kazoo's gevent handler, so its
    work runs in greenlets; otherwise its threading handler.

    The credentials are read from ``secrets`` once, here: restart the client to use
    rotated ones.

    Args:
        secrets: The secrets store holding the credentials; may be ``None`` when there is
            no ``credentials`` key.
        app_config: The application's raw configuration.
        read_only: Whether the client may connect to a read-only server (one cut off from
            the rest of its ensemble); ``None`` leaves it to kazoo (no).
        prefix: Where the keys are; the trailing dot is optional.

    Returns:
        A :class:`kazoo.client.KazooClient`, not yet started.

    Raises:
        baseplate.config.ConfigurationError: a key is missing or bad, or ``credentials`` is
            set and ``secrets`` is ``None``; the error names the key.
        baseplate.secrets.SecretNotFoundError: a credentials secret is not in the store.
        baseplate.secrets.CorruptSecretError: a credentials secret is not a simple secret of
            the form ``username:password``.
        baseplate.secrets.SecretsNotAvailableError: the secrets file cannot be read.

    .. versionadded:: 0.1.0
    """
    cfg: Any = config.parse_config(app_config, _SPEC, prefix=prefix)
    auth_data = []
    if cfg.credentials:
        if secrets is None:
            key = prefix.removesuffix(".") + ".credentials"
            raise config.ConfigurationError(key, "credentials need a secrets store; none given")
        auth_data = [_digest(secrets, path) for path in cfg.credentials]
    return KazooClient(
        hosts=cfg.hosts,
        timeout=cfg.timeout.total_seconds(),
        auth_data=auth_data or None,
        read_only=read_only,
        connection_retry=dict(_CONNECTION_RETRY),
        handler=_handler(),
    )
