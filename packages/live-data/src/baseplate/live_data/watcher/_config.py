"""The watcher's ``[live-data]`` section, parsed and checked in full at start-up."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from baseplate import config

#: How often the watcher touches its files while connected, when ``heartbeat_interval`` is
#: not set.
DEFAULT_HEARTBEAT_INTERVAL = datetime.timedelta(minutes=5)


def _file_mode(text: str) -> int:
    try:
        mode = int(text, 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o7777:
        raise ValueError(f"expected an octal file mode such as 0400 or 0644, got {text!r}")
    return mode


def _node_path(text: str) -> str:
    if not text.startswith("/") or (len(text) > 1 and text.endswith("/")):
        raise ValueError(f"expected a ZooKeeper path such as /my-service/flags, got {text!r}")
    return text


_SPEC: dict[str, Any] = {
    "heartbeat_interval": config.Optional(
        config.Positive(config.TimespanOrSeconds), default=DEFAULT_HEARTBEAT_INTERVAL
    ),
    "nodes": config.DictOf(
        {
            "source": _node_path,
            "dest": config.String,
            "owner": config.Optional(config.UnixUser),
            "group": config.Optional(config.UnixGroup),
            "mode": config.Optional(_file_mode, default=0o400),
        }
    ),
}


@dataclasses.dataclass(frozen=True)
class NodeConfig:
    """One node the watcher keeps in a file (the keys ``nodes.<name>.*``).

    Attributes:
        name: The ``<name>`` in its keys.
        source: The node's path in ZooKeeper.
        dest: The file it is written to.
        owner: The file's owner (a user id), or ``None`` to leave it to the watcher's user.
        group: The file's group (a group id), or ``None`` to leave it to the watcher's group.
        mode: The file's permission bits.

    .. versionadded:: 0.1.0
    """

    name: str
    source: str
    dest: str
    owner: int | None
    group: int | None
    mode: int


@dataclasses.dataclass(frozen=True)
class WatcherConfig:
    """The watcher's settings, as :func:`parse_watcher_config` read them.

    The ZooKeeper connection's keys (``zookeeper.*``) are read by
    :func:`baseplate.live_data.zookeeper_client_from_config` instead.

    Attributes:
        nodes: The nodes to watch, sorted by name.
        heartbeat_interval: Seconds between touches of the files.

    .. versionadded:: 0.1.0
    """

    nodes: tuple[NodeConfig, ...]
    heartbeat_interval: float


def parse_watcher_config(raw_config: config.RawConfig) -> WatcherConfig:
    """Parse and check the watcher's keys (see :mod:`baseplate.live_data.watcher`).

    Args:
        raw_config: The ``[live-data]`` section's keys and values.

    Raises:
        baseplate.config.ConfigurationError: naming the key that is missing or bad; also
            when no node is configured, or two nodes share a ``dest``.

    .. versionadded:: 0.1.0
    """
    cfg: Any = config.parse_config(raw_config, _SPEC)
    nodes = tuple(
        NodeConfig(
            name=name,
            source=node.source,
            dest=node.dest,
            owner=node.owner,
            group=node.group,
            mode=node.mode,
        )
        for name, node in sorted(cfg.nodes.items())
    )
    if not nodes:
        raise config.ConfigurationError(
            "nodes", "no node to watch: add nodes.<name>.source and nodes.<name>.dest"
        )
    seen: dict[str, str] = {}
    for node in nodes:
        if node.dest in seen:
            raise config.ConfigurationError(
                f"nodes.{node.name}.dest",
                f"{node.dest!r} is already the dest of nodes.{seen[node.dest]}",
            )
        seen[node.dest] = node.name
    return WatcherConfig(nodes=nodes, heartbeat_interval=cfg.heartbeat_interval.total_seconds())
