"""The live-data writer: put a file's contents into a ZooKeeper node, showing the change.

For the simple case of data kept in a file (in a repository, written by a CI task)::

    python -m baseplate.live_data.writer config.ini input.json /my-service/flags
    baseplate-live-data-writer config.ini input.json /my-service/flags   # the same

The configuration file's ``[live-data]`` section says how to reach ZooKeeper, with the keys
of :func:`baseplate.live_data.zookeeper_client_from_config` under ``zookeeper.`` and, when
there are credentials, the secrets file under ``secrets.`` (as the watcher reads them):

.. code-block:: ini

    [live-data]
    zookeeper.hosts = zk01:2181,zk02:2181
    zookeeper.credentials = secret/my-service/zookeeper-credentials
    secrets.path = /var/local/secrets.json

The writer reads the node and compares it with the file. When they are the same it says so
and writes nothing. Otherwise it shows the difference (a unified diff for text) and writes
the file with a compare-and-set on the version it read: if someone else changed the node
in between, their change stays and the writer reports it (exit 1); run it again to see the
new difference. Example output:

.. code-block:: text

    Writing input.json to ZooKeeper /my-service/flags...
    --- /my-service/flags
    +++ input.json
    @@ -1,3 +1,3 @@
     {
    -  "key": "one"
    +  "key": "two"
     }
    Wrote data to ZooKeeper.

The node must exist already, so that whoever creates it can give it the right ACLs; with
``--create`` the writer creates a missing node (and its parents) with the client's default
ACL.

Exit status: 0 when the node holds the file's data (written, or already there); 1 when the
node is missing, changed concurrently, the write was refused, ZooKeeper could not be
reached, or the configuration or file is bad (with a message saying which).
"""

from __future__ import annotations

from ._cli import main
from ._writer import WriteResult, write_node

__all__ = ["WriteResult", "main", "write_node"]

for _name in ("WriteResult", "write_node", "main"):
    globals()[_name].__module__ = __name__
del _name
