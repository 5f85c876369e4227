"""The live-data watcher sidecar: keeps a local file per ZooKeeper node up to date.

Run one per host (or pod) beside the services, which read the files with
:class:`baseplate.file_watcher.FileWatcher`::

    python -m baseplate.live_data.watcher config.ini [--debug]
    baseplate-live-data-watcher config.ini            # the same, as a script

Its configuration is the ``[live-data]`` section: the ZooKeeper keys of
:func:`baseplate.live_data.zookeeper_client_from_config` under ``zookeeper.``, the secrets
file under ``secrets.`` (read only when there are credentials), and the nodes:

.. code-block:: ini

    [live-data]
    zookeeper.hosts = zk01:2181,zk02:2181
    ; optional: simple secrets holding username:password, sent as digest authentication
    zookeeper.credentials = secret/my-service/zookeeper-credentials
    ; optional: the session timeout; default 5 seconds
    zookeeper.timeout = 5 seconds
    ; optional: the secrets file (this is the default)
    secrets.path = /var/local/secrets.json
    ; optional: how often the files are touched while connected; default 5 minutes
    heartbeat_interval = 5 minutes

    ; a node: its path in ZooKeeper and the file it is kept in
    nodes.a.source = /a/node/in/zookeeper
    nodes.a.dest = /var/local/file-on-disk

    ; optional for each node: the file's owner and group (names; default the
    ; watcher's) and octal mode (default 0400)
    nodes.b.source = /another/node/in/zookeeper
    nodes.b.dest = /var/local/another-file
    nodes.b.owner = www-data
    nodes.b.group = www-data
    nodes.b.mode = 0440

What it does:

- It connects to ZooKeeper, reconnecting forever when the connection is lost, and
  watches each node.
- Whenever a node's data changes (and once at start-up), the data is written to the
  node's file: to a new file beside it with the configured owner and mode, synced, then
  renamed over the old one, so a reader sees the old data or the new, whole, never a
  partial or empty file.
- When a node does not exist, or is deleted, its file is removed.
- Every ``heartbeat_interval``, while connected, it touches each file (sets its
  modification time to now), so that monitoring can alert on a file that has not been
  touched for a while, and the services' file watchers read it again.
- While ZooKeeper is away, the files keep their last good data and are not touched; the
  log says the connection was lost (and which files are kept), and says so again when it
  is back. After a reconnection the nodes are read again, so a change made meanwhile
  reaches the files.

It runs until SIGTERM or SIGINT and then exits 0. A bad configuration, or a secrets file
it needs that cannot be read within 30 seconds, stops it at start-up (exit 1) with a message
naming the problem.
"""

from __future__ import annotations

from ._cli import main
from ._config import NodeConfig, WatcherConfig, parse_watcher_config

__all__ = ["NodeConfig", "WatcherConfig", "main", "parse_watcher_config"]

for _name in ("NodeConfig", "WatcherConfig", "parse_watcher_config", "main"):
    globals()[_name].__module__ = __name__
del _name
