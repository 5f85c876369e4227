"""Making an engine from the application's configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy
import sqlalchemy.exc
from sqlalchemy.engine import URL

from baseplate import config

if TYPE_CHECKING:
    from baseplate.secrets import SecretsStore


def database_url(text: str) -> URL:
    """Parse a database URL (``dialect+driver://user:password@host:port/database``).

    A config parser: the error never repeats the text, since it may hold a password.

    Raises:
        ValueError: if ``text`` is empty or is not a URL SQLAlchemy can read.
    """
    if not text:
        raise ValueError("expected a database URL, e.g. postgresql+psycopg://db.local/app")
    try:
        return sqlalchemy.make_url(text)
    except sqlalchemy.exc.ArgumentError:
        raise ValueError(
            "expected a database URL of the form dialect+driver://user:password@host/database "
            "(value not shown: it may hold a password)"
        ) from None


def engine_from_config(
    app_config: config.RawConfig,
    secrets: SecretsStore | None = None,
    prefix: str = "database.",
    **engine_options: Any,
) -> sqlalchemy.engine.Engine:  # spelt out: the docs see this text (SecretsStore is a hint only)
    """Make a SQLAlchemy :class:`~sqlalchemy.engine.Engine` from the application's configuration.

    Reads these keys, with ``prefix`` in front of them:

    * ``url``: the database's URL, as :func:`sqlalchemy.engine.make_url` reads it
      (``postgresql+psycopg://user:password@db.local:5432/app``). The driver it names must
      be installed; this package installs none.
    * ``credentials_secret`` (optional): the path of a credential secret in ``secrets``
      (needs the ``secrets`` extra, baseplate-secrets). Its username and password replace
      any the URL holds, read once, when the engine is made.

    The engine is not instrumented yet: hand it to :class:`SQLAlchemyEngineContextFactory`
    or :class:`SQLAlchemySessionContextFactory`.

    Args:
        app_config: The application's raw configuration.
        secrets: The secrets store the credential secret is read from.
        prefix: The prefix of the keys, ``database.`` by default.
        engine_options: Passed on to :func:`sqlalchemy.create_engine` (``pool_size=...``).

    Raises:
        baseplate.config.ConfigurationError: naming the full key if its value is invalid.
        TypeError: if ``credentials_secret`` is set and ``secrets`` is not given.
        baseplate.secrets.SecretsError: if the credential secret cannot be read (missing,
            not a credential secret, or the secrets file unreadable).

    .. versionadded:: 0.1.0
    """
    parsed = config.parse_config(
        app_config,
        {"url": database_url, "credentials_secret": config.Optional(config.String)},
        prefix=prefix,
    )
    url: URL = parsed.url
    if parsed.credentials_secret:
        if secrets is None:
            raise TypeError(
                f"{prefix.rstrip('.')}.credentials_secret is set, so engine_from_config needs "
                "the secrets store: engine_from_config(app_config, secrets=...)"
            )
        credentials = secrets.get_credentials(parsed.credentials_secret)
        url = url.set(username=credentials.username, password=credentials.password)
    return sqlalchemy.create_engine(url, **engine_options)
