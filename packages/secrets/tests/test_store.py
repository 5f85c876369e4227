"""Tests for baseplate.secrets' store over real secrets files in a temporary directory."""

from __future__ import annotations

import base64
import logging
import os
import pathlib
import pickle
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from baseplate.core import Baseplate, RequestContext
from baseplate.secrets import (
    CorruptSecretError,
    CredentialSecret,
    SecretNotFoundError,
    SecretsError,
    SecretsNotAvailableError,
    SecretsStore,
    VersionedSecret,
    secrets_store_from_config,
)

WriteSecrets = Callable[..., pathlib.Path]


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


# Reading the file.


def test_missing_file_is_not_available(secrets_path: pathlib.Path) -> None:
    """Before the fetcher has written the file, every read raises SecretsNotAvailableError,
    naming the secret asked for and the file."""
    store = SecretsStore(secrets_path)

    with pytest.raises(SecretsNotAvailableError, match="secret/a") as caught:
        store.get_simple("secret/a")

    assert caught.value.path == "secret/a"
    assert str(secrets_path) in str(caught.value)
    assert isinstance(caught.value, SecretsError)


def test_timeout_waits_for_the_file_then_gives_up(secrets_path: pathlib.Path) -> None:
    """With a timeout, a file that never appears fails the constructor."""
    with pytest.raises(SecretsNotAvailableError, match=str(secrets_path)):
        SecretsStore(secrets_path, timeout=0.05)


def test_timeout_returns_once_the_file_is_there(write_secrets: WriteSecrets) -> None:
    """With a timeout and the file present, the constructor returns and the secrets read."""
    path = write_secrets({"secret/a": {"type": "simple", "value": "x"}})

    store = SecretsStore(path, timeout=1)

    assert store.get_simple("secret/a") == b"x"
    assert str(path) == store.path


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "Expecting property name"),
        ("[]", "expected a JSON object, got list"),
        ('{"vault": {}}', "expected a 'secrets' object"),
        ('{"secrets": [], "vault": {}}', "expected a 'secrets' object"),
        ('{"secrets": {}, "vault": "x"}', "expected 'vault' to be an object"),
    ],
)
def test_a_file_that_is_not_a_secrets_file_is_not_available(
    secrets_path: pathlib.Path, write_raw: Callable[[object], None], text: str, reason: str
) -> None:
    """A first version that is not JSON, or lacks the secrets object, says why."""
    write_raw(text)
    store = SecretsStore(secrets_path)

    with pytest.raises(SecretsNotAvailableError, match=reason):
        store.get_raw("secret/a")


def test_changed_file_is_read_again(write_secrets: WriteSecrets) -> None:
    """A rotation written by the fetcher is seen by a store that is already running."""
    path = write_secrets({"secret/a": {"type": "simple", "value": "old"}})
    store = SecretsStore(path)
    assert store.get_simple("secret/a") == b"old"

    write_secrets({"secret/a": {"type": "simple", "value": "new"}})

    assert store.get_simple("secret/a") == b"new"


def test_bad_later_file_keeps_the_last_good_secrets(
    write_secrets: WriteSecrets,
    write_raw: Callable[[object], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A later version that is not a secrets file never replaces the good one; a warning
    says why."""
    path = write_secrets({"secret/a": {"type": "simple", "value": "good"}})
    store = SecretsStore(path)
    assert store.get_simple("secret/a") == b"good"

    write_raw("")
    with caplog.at_level(logging.WARNING):
        assert store.get_simple("secret/a") == b"good"
    assert "keeping the last good data" in caplog.text

    os.unlink(path)
    assert store.get_simple("secret/a") == b"good"


# get_raw and the Vault connection details.


def test_get_raw_returns_the_secret_as_stored(write_secrets: WriteSecrets) -> None:
    """get_raw gives the secret's keys as the fetcher wrote them."""
    raw = {"type": "simple", "value": "x", "extra": [1, 2]}
    store = SecretsStore(write_secrets({"secret/a": raw}))

    assert raw == store.get_raw("secret/a")


def test_unknown_secret_is_not_found(write_secrets: WriteSecrets) -> None:
    """A path the fetcher did not write raises SecretNotFoundError naming it."""
    store = SecretsStore(write_secrets({"secret/a": {"type": "simple", "value": "x"}}))

    with pytest.raises(SecretNotFoundError, match="'secret/b'") as caught:
        store.get_simple("secret/b")

    assert caught.value.name == "secret/b"


def test_secret_that_is_not_an_object_is_corrupt(write_secrets: WriteSecrets) -> None:
    """A secret stored as something else than an object is corrupt, at its path."""
    store = SecretsStore(write_secrets({"secret/a": "just a string"}))

    with pytest.raises(CorruptSecretError, match=r"^secret/a: expected a JSON object, got str"):
        store.get_raw("secret/a")


def test_vault_url_and_token(write_secrets: WriteSecrets) -> None:
    """get_vault_url and get_vault_token read the fetcher's vault object."""
    store = SecretsStore(write_secrets({}, vault={"url": "https://vault:8200", "token": "s.1"}))

    assert store.get_vault_url() == "https://vault:8200"
    assert store.get_vault_token() == "s.1"


def test_vault_token_falls_back_to_the_legacy_key(write_secrets: WriteSecrets) -> None:
    """A file with only the top-level vault_token (older fetchers) still gives the token."""
    store = SecretsStore(write_secrets({}, vault={"url": "u"}, vault_token="s.legacy"))

    assert store.get_vault_token() == "s.legacy"


@pytest.mark.parametrize("key", ["url", "token"])
def test_missing_vault_details_are_not_found(write_secrets: WriteSecrets, key: str) -> None:
    """A file without the Vault URL or token raises SecretNotFoundError('vault.<key>')."""
    store = SecretsStore(write_secrets({}, vault={}))

    method = store.get_vault_url if key == "url" else store.get_vault_token
    with pytest.raises(SecretNotFoundError, match=f"'vault.{key}'"):
        method()


# Simple secrets.


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        ({"type": "simple", "value": "héllo"}, "héllo".encode()),
        ({"type": "simple", "value": "x", "encoding": "identity"}, b"x"),
        ({"type": "simple", "value": b64(b"\x00\xffbin"), "encoding": "base64"}, b"\x00\xffbin"),
        ({"type": "simple", "value": "AP9i\naW4=", "encoding": "base64"}, b"\x00\xffbin"),
    ],
)
def test_get_simple_decodes(
    write_secrets: WriteSecrets, secret: dict[str, Any], expected: bytes
) -> None:
    """Identity values are their UTF-8 bytes; base64 values are decoded."""
    store = SecretsStore(write_secrets({"secret/a": secret}))

    assert expected == store.get_simple("secret/a")


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        (
            {"type": "versioned", "current": "x"},
            "expected a secret of type 'simple', got 'versioned'",
        ),
        ({"value": "x"}, "expected a secret of type 'simple', got None"),
        ({"type": "simple"}, "a simple secret needs a 'value'"),
        ({"type": "simple", "value": 3}, "'value' must be a string, got int"),
        ({"type": "simple", "value": "!!", "encoding": "base64"}, "'value' is not valid base64"),
        ({"type": "simple", "value": "x", "encoding": "rot13"}, "unknown encoding 'rot13'"),
    ],
)
def test_get_simple_corrupt(
    write_secrets: WriteSecrets, secret: dict[str, Any], message: str
) -> None:
    """Each way a simple secret can be wrong raises CorruptSecretError naming its path."""
    store = SecretsStore(write_secrets({"secret/a": secret}))

    with pytest.raises(CorruptSecretError, match=f"^secret/a: {message}") as caught:
        store.get_simple("secret/a")

    assert caught.value.path == "secret/a"


# Versioned secrets.


def test_get_versioned_with_every_version(write_secrets: WriteSecrets) -> None:
    """previous, current and next are decoded, all with the secret's encoding."""
    secret = {
        "type": "versioned",
        "encoding": "base64",
        "previous": b64(b"one"),
        "current": b64(b"two"),
        "next": b64(b"three"),
    }
    store = SecretsStore(write_secrets({"secret/k": secret}))

    versioned = store.get_versioned("secret/k")

    assert VersionedSecret(previous=b"one", current=b"two", next=b"three") == versioned
    assert list(versioned.all_versions) == [b"two", b"one", b"three"]


def test_get_versioned_with_only_current(write_secrets: WriteSecrets) -> None:
    """Missing (or null) previous and next versions are None and not among all_versions."""
    secret = {"type": "versioned", "current": "now", "next": None}
    store = SecretsStore(write_secrets({"secret/k": secret}))

    versioned = store.get_versioned("secret/k")

    assert (versioned.previous, versioned.current, versioned.next) == (None, b"now", None)
    assert list(versioned.all_versions) == [b"now"]


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ({"type": "simple", "value": "x"}, "expected a secret of type 'versioned'"),
        ({"type": "versioned", "previous": "x"}, "a versioned secret needs a 'current' version"),
        ({"type": "versioned", "current": None}, "'current' must be a string, got NoneType"),
        (
            {"type": "versioned", "current": "eA==", "next": "%%", "encoding": "base64"},
            "'next' is not valid base64",
        ),
        ({"type": "versioned", "current": "x", "encoding": "hex"}, "unknown encoding 'hex'"),
    ],
)
def test_get_versioned_corrupt(
    write_secrets: WriteSecrets, secret: dict[str, Any], message: str
) -> None:
    """Each way a versioned secret can be wrong raises CorruptSecretError naming its path."""
    store = SecretsStore(write_secrets({"secret/k": secret}))

    with pytest.raises(CorruptSecretError, match=f"^secret/k: {message}"):
        store.get_versioned("secret/k")


def test_from_simple_secret() -> None:
    """A simple value makes a versioned secret with only a current version."""
    versioned = VersionedSecret.from_simple_secret(b"value")

    assert VersionedSecret(previous=None, current=b"value", next=None) == versioned
    assert list(versioned.all_versions) == [b"value"]


def test_reprs_never_show_secret_values() -> None:
    """The reprs (as logged in tracebacks) show which versions exist, not their values."""
    versioned = VersionedSecret(previous=b"p-value", current=b"c-value", next=None)
    credentials = CredentialSecret("alice", "p4ssword")

    assert repr(versioned) == "VersionedSecret(previous=<redacted>, current=<redacted>, next=None)"
    assert repr(credentials) == "CredentialSecret(username='alice', password=<redacted>)"


# Credential secrets.


def test_get_credentials(write_secrets: WriteSecrets) -> None:
    """A credential secret gives its username and password as text."""
    secret = {"type": "credential", "username": "alice", "password": "pw", "encoding": "identity"}
    store = SecretsStore(write_secrets({"secret/db": secret}))

    assert CredentialSecret(username="alice", password="pw") == store.get_credentials("secret/db")


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ({"type": "credentials", "username": "a", "password": "b"}, "of type 'credential'"),
        (
            {"type": "credential", "username": "a", "password": "Yg==", "encoding": "base64"},
            "a credential secret must have encoding 'identity', got 'base64'",
        ),
        ({"type": "credential", "password": "b"}, "needs a string 'username', got none"),
        ({"type": "credential", "username": "a", "password": 7}, "'password', got int"),
    ],
)
def test_get_credentials_corrupt(
    write_secrets: WriteSecrets, secret: dict[str, Any], message: str
) -> None:
    """Each way a credential secret can be wrong raises CorruptSecretError naming its path."""
    store = SecretsStore(write_secrets({"secret/db": secret}))

    with pytest.raises(CorruptSecretError, match=f"^secret/db: .*{message}"):
        store.get_credentials("secret/db")


# The store on the request context.


def test_context_reads_the_file_once_per_request(
    write_secrets: WriteSecrets, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In one request, the first read looks at the file (one stat) and the rest reuse it;
    a change written during the request is seen by the next request."""
    path = write_secrets({"secret/a": {"type": "simple", "value": "first"}})
    baseplate = Baseplate()
    baseplate.add_to_context("secrets", SecretsStore(path))
    stats = []
    real_stat = os.stat

    def counting_stat(target: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if os.fspath(target) == str(path):
            stats.append(target)
        return real_stat(target, *args, **kwargs)

    monkeypatch.setattr(os, "stat", counting_stat)
    context = RequestContext()
    baseplate.make_server_span(context, "first_request")

    assert context.secrets.get_simple("secret/a") == b"first"
    write_secrets({"secret/a": {"type": "simple", "value": "second"}})
    assert context.secrets.get_simple("secret/a") == b"first"
    assert context.secrets.get_vault_token() == "t"
    assert len(stats) == 1

    next_context = RequestContext()
    baseplate.make_server_span(next_context, "second_request")
    assert next_context.secrets.get_simple("secret/a") == b"second"
    assert isinstance(next_context.secrets, SecretsStore)


def test_context_store_unavailable_until_the_file_is_there(
    secrets_path: pathlib.Path, write_secrets: WriteSecrets
) -> None:
    """A request's store raises while the file is missing and reads it once it appears."""
    store = SecretsStore(secrets_path)
    request_store = store.make_object_for_context(
        "secrets", Baseplate().make_server_span(RequestContext(), "op")
    )

    with pytest.raises(SecretsNotAvailableError):
        request_store.get_simple("secret/a")
    write_secrets({"secret/a": {"type": "simple", "value": "x"}})
    assert request_store.get_simple("secret/a") == b"x"


# Errors.


@pytest.mark.parametrize(
    "error",
    [
        SecretNotFoundError("secret/a"),
        CorruptSecretError("secret/a", "bad"),
        SecretsNotAvailableError("gone", "secret/a"),
        SecretsNotAvailableError("gone"),
    ],
)
def test_errors_pickle(error: SecretsError) -> None:
    """The errors survive pickling with their attributes and message."""
    copy = pickle.loads(pickle.dumps(error))

    assert type(error) is type(copy)
    assert str(error) == str(copy)
    assert vars(error) == vars(copy)


# Configuration.


def test_from_config_defaults_to_the_fetchers_path() -> None:
    """Without secrets.path, the store reads /var/local/secrets.json."""
    store = secrets_store_from_config({})

    assert store.path == "/var/local/secrets.json"


def test_from_config_reads_the_path(write_secrets: WriteSecrets) -> None:
    """secrets.path names the file; other keys are ignored."""
    path = write_secrets({"secret/a": {"type": "simple", "value": "x"}})

    store = secrets_store_from_config({"secrets.path": str(path), "other": "y"}, timeout=1)

    assert store.get_simple("secret/a") == b"x"


def test_from_config_with_another_prefix(write_secrets: WriteSecrets) -> None:
    """A dotted prefix reads the key below it."""
    path = write_secrets({})

    store = secrets_store_from_config({"app.vault.path": str(path)}, prefix="app.vault.")

    assert str(path) == store.path


def test_from_config_prefix_must_end_with_a_dot() -> None:
    """A prefix without its final dot is a mistake, said so."""
    with pytest.raises(ValueError, match=r"prefix must end with '\.', got 'secrets'"):
        secrets_store_from_config({}, prefix="secrets")


def test_from_config_timeout_error_names_the_file(tmp_path: pathlib.Path) -> None:
    """With a timeout and no file, the error names the configured file."""
    missing = tmp_path / "nope.json"

    with pytest.raises(SecretsNotAvailableError, match=r"nope\.json"):
        secrets_store_from_config({"secrets.path": str(missing)}, timeout=0)


def test_the_store_does_not_import_the_vault_client() -> None:
    """A service reading secrets does not load hvac (the fetcher's extra)."""
    code = "import sys, baseplate.secrets; print('hvac' in sys.modules)"

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "False"
