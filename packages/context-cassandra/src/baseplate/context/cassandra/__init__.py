"""An instrumented Cassandra session on each request's context.

:class:`CassandraContextFactory` puts a proxy of a :class:`cassandra.cluster.Session` on the
context. Its :meth:`~CassandraSessionAdapter.execute`,
:meth:`~CassandraSessionAdapter.execute_async` and :meth:`~CassandraSessionAdapter.prepare`
are child spans of the request's span; an asynchronous query's span ends when the driver's
future completes, even if the request finished first. Everything else is the session's.

.. code-block:: ini

    [app:main]
    cassandra.contact_points = 10.0.0.1, 10.0.0.2
    cassandra.port = 9042

::

    cluster = cluster_from_config(app_config)
    baseplate.add_to_context("cassandra", CassandraContextFactory(cluster.connect("my_keyspace")))

    def handler(context):
        query = context.cassandra.prepare("SELECT name FROM users WHERE id = ?")
        return context.cassandra.execute(query, [user_id]).one()
"""

from __future__ import annotations

from types import FunctionType

from baseplate.context.cassandra._config import cluster_from_config
from baseplate.context.cassandra._future import CassandraResponseFuture
from baseplate.context.cassandra._session import CassandraContextFactory, CassandraSessionAdapter
from baseplate.context.cassandra._statements import STATEMENT_TAG_LIMIT, statement_text

__all__ = [
    "STATEMENT_TAG_LIMIT",
    "CassandraContextFactory",
    "CassandraResponseFuture",
    "CassandraSessionAdapter",
    "cluster_from_config",
    "statement_text",
]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
