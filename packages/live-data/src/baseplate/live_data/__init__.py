"""Live data: small data kept in ZooKeeper and synced to every server's disk on change.

For data that is read all the time, changes now and then, and must change everywhere at
once when it does. Four pieces work together:

- ZooKeeper holds the data and tells its watchers when a node changes;
- the watcher sidecar (:mod:`baseplate.live_data.watcher`, one per host or pod) keeps a
  local file per node up to date;
- the application reads those files with :class:`baseplate.file_watcher.FileWatcher`, so
  it never talks to ZooKeeper for its data and keeps the last copy while ZooKeeper is away;
- something writes the nodes: the writer tool (:mod:`baseplate.live_data.writer`), or a
  program of your own with a client from :func:`zookeeper_client_from_config`::

    >>> client = zookeeper_client_from_config(secrets, {"zookeeper.hosts": "zk01:2181"})
    >>> client.start()
    >>> data, stat = client.get("/my-service/flags")
"""

from __future__ import annotations

from baseplate.live_data._errors import ConcurrentChangeError, LiveDataError, NodeNotFoundError
from baseplate.live_data._zookeeper import zookeeper_client_from_config

__all__ = [
    "ConcurrentChangeError",
    "LiveDataError",
    "NodeNotFoundError",
    "zookeeper_client_from_config",
]

for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
