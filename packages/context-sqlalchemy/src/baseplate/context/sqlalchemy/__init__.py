"""A SQLAlchemy engine or ORM session on each request's context, every statement a span.

:func:`engine_from_config` makes the engine (SQLAlchemy 2; install the database driver the
URL names). :class:`SQLAlchemyEngineContextFactory` puts that engine on the context, for
SQLAlchemy Core; :class:`SQLAlchemySessionContextFactory` puts an ORM session there, one per
request, closed when the request ends. Each statement either one runs is a child span named
``<context attribute>.execute``, tagged with the statement, and its SQL carries the trace
and span ids as a trailing comment.

.. code-block:: ini

    [app:main]
    database.url = postgresql+psycopg://db.local:5432/app
    # optional, with the secrets extra: the username and password replace the URL's
    database.credentials_secret = secret/app/database

::

    from sqlalchemy import select, text

    engine = engine_from_config(app_config, secrets=secrets_store_from_config(app_config))
    baseplate.add_to_context("db", SQLAlchemySessionContextFactory(engine))

    def handler(context):
        account = context.db.execute(select(Account).where(Account.id == 1)).scalar_one()
        account.visits += 1
        context.db.commit()  # the session is closed at the end, never committed for you
"""

from __future__ import annotations

from types import FunctionType

from baseplate.context.sqlalchemy._config import engine_from_config
from baseplate.context.sqlalchemy._factories import (
    SQLAlchemyEngineContextFactory,
    SQLAlchemySessionContextFactory,
)

__all__ = [
    "SQLAlchemyEngineContextFactory",
    "SQLAlchemySessionContextFactory",
    "engine_from_config",
]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
