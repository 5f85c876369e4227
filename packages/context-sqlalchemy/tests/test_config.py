"""Tests for engine_from_config."""

from __future__ import annotations

import json
import pathlib

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from baseplate.config import ConfigurationError
from baseplate.context.sqlalchemy import engine_from_config
from baseplate.secrets import SecretNotFoundError, SecretsStore

from .conftest import DATABASE, ROLE


@pytest.fixture
def secrets(tmp_path: pathlib.Path) -> SecretsStore:
    """A secrets file holding the test role's credentials as secret/db."""
    path = tmp_path / "secrets.json"
    credential = {"type": "credential", "username": ROLE, "password": ROLE}
    path.write_text(json.dumps({"secrets": {"secret/db": credential}, "vault": {}}))
    return SecretsStore(str(path))


def test_the_url_makes_the_engine() -> None:
    """database.url is the engine's URL, driver and all."""
    engine = engine_from_config({"database.url": "postgresql+psycopg://u:p@db.local:6543/app"})

    assert engine.dialect.name == "postgresql"
    assert engine.dialect.driver == "psycopg"
    assert (
        engine.url.username,
        engine.url.password,
        engine.url.host,
        engine.url.port,
        engine.url.database,
    ) == ("u", "p", "db.local", 6543, "app")


def test_the_prefix_names_the_keys() -> None:
    """Keys are read under the given prefix."""
    engine = engine_from_config({"main_db.url": "sqlite://"}, prefix="main_db.")

    assert engine.dialect.name == "sqlite"


def test_engine_options_reach_create_engine() -> None:
    """Keyword arguments are create_engine's: here the pool's size."""
    engine = engine_from_config({"database.url": "postgresql+psycopg://db.local/app"}, pool_size=3)

    assert engine.pool.size() == 3  # type: ignore[attr-defined]


def test_a_missing_url_names_the_key() -> None:
    """Without database.url the error names that key and what is expected."""
    with pytest.raises(ConfigurationError, match=r"^database\.url: expected a database URL"):
        engine_from_config({})


def test_a_bad_url_names_the_key_but_not_the_value() -> None:
    """An unreadable URL names the key; the value, which may hold a password, is not shown."""
    with pytest.raises(ConfigurationError, match=r"^db\.url: expected a database URL") as raised:
        engine_from_config({"db.url": "not a url hunter2"}, prefix="db.")

    assert "hunter2" not in str(raised.value)


def test_the_credential_secret_replaces_the_urls_credentials(secrets: SecretsStore) -> None:
    """credentials_secret's username and password win over the URL's."""
    engine = engine_from_config(
        {
            "database.url": "postgresql+psycopg://someone:old@db.local/app",
            "database.credentials_secret": "secret/db",
        },
        secrets=secrets,
    )

    assert (engine.url.username, engine.url.password) == (ROLE, ROLE)
    assert (engine.url.host, engine.url.database) == ("db.local", "app")


def test_a_credential_secret_needs_the_secrets_store() -> None:
    """credentials_secret without secrets= is a TypeError naming the key."""
    with pytest.raises(TypeError, match=r"database\.credentials_secret is set"):
        engine_from_config(
            {"database.url": "sqlite://", "database.credentials_secret": "secret/db"}
        )


def test_a_missing_credential_secret_raises_the_stores_error(secrets: SecretsStore) -> None:
    """A path the secrets file lacks raises the store's SecretNotFoundError."""
    with pytest.raises(SecretNotFoundError, match="secret/other"):
        engine_from_config(
            {"database.url": "sqlite://", "database.credentials_secret": "secret/other"},
            secrets=secrets,
        )


@pytest.mark.integration
def test_the_credential_secret_logs_in(
    secrets: SecretsStore, database_url: str, engine: Engine
) -> None:
    """An engine from a URL without credentials connects as the secret's user."""
    bare = database_url.replace(f"{ROLE}:{ROLE}@", "")
    configured = engine_from_config(
        {"database.url": bare, "database.credentials_secret": "secret/db"}, secrets=secrets
    )
    try:
        with configured.connect() as conn:
            row = conn.execute(text("SELECT current_user, current_database()")).one()
    finally:
        configured.dispose()

    assert tuple(row) == (ROLE, DATABASE)
