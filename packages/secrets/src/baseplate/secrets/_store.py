"""The secrets store: typed access to the fetcher's file, re-read when it changes."""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from typing import IO, Any

from baseplate import config
from baseplate.core import ContextFactory, Span
from baseplate.file_watcher import FileWatcher, WatchedFileNotAvailableError

from ._errors import CorruptSecretError, SecretNotFoundError, SecretsNotAvailableError
from ._types import CredentialSecret, VersionedSecret

#: Where the fetcher writes the secrets file unless told otherwise.
DEFAULT_PATH = "/var/local/secrets.json"

_Document = dict[str, Any]


def parse_secrets_file(file: IO[str]) -> _Document:
    """Read a secrets file and check its outline: an object with a ``secrets`` object.

    The secrets themselves are checked when they are asked for, so that one bad secret does
    not hide the others. A file failing this check never replaces a good one the store has
    read (the file watcher keeps the last good version).
    """
    document = json.load(file)
    if not isinstance(document, dict):
        raise ValueError(f"expected a JSON object, got {type(document).__name__}")
    if not isinstance(document.get("secrets"), dict):
        raise ValueError("expected a 'secrets' object mapping paths to secrets")
    vault = document.get("vault", {})
    if not isinstance(vault, dict):
        raise ValueError(f"expected 'vault' to be an object, got {type(vault).__name__}")
    return document


def _decode(path: str, encoding: object, value: object, key: str) -> bytes:
    if not isinstance(value, str):
        raise CorruptSecretError(path, f"{key!r} must be a string, got {type(value).__name__}")
    if encoding == "identity":
        return value.encode("utf-8")
    if encoding == "base64":
        try:  # line breaks and spaces allowed, anything else outside the alphabet is not
            return base64.b64decode("".join(value.split()), validate=True)
        except binascii.Error as exc:
            raise CorruptSecretError(path, f"{key!r} is not valid base64 ({exc})") from None
    raise CorruptSecretError(
        path, f"unknown encoding {encoding!r}; expected 'identity' (the default) or 'base64'"
    )


def _typed(path: str, secret: Mapping[str, Any], expected: str) -> None:
    found = secret.get("type")
    if found != expected:
        raise CorruptSecretError(path, f"expected a secret of type {expected!r}, got {found!r}")


class SecretsStore(ContextFactory):
    """Access to the secrets that the fetcher sidecar keeps in a local file.

    The file is read when first needed and again whenever it changes (a ``stat`` per call
    otherwise: see :class:`baseplate.file_watcher.FileWatcher`). Ask the store for a secret
    each time you use it rather than keeping the value, so a rotated secret is used as soon
    as the fetcher has written it.

    A version of the file that cannot be read or is not a secrets file never replaces the
    last good one: the store logs a warning (logger ``baseplate.file_watcher``) and serves
    the secrets it has.

    As a context factory (``baseplate.add_to_context("secrets", store)``) it gives each
    request a view of the file as it was when the request first asked for a secret: the
    file is read (and parsed, if it changed) at most once per request, and every secret of
    the request comes from the same version.

    Args:
        path: The secrets file.
        timeout: If given, wait up to this many seconds in the constructor for the file to
            become readable (the fetcher may not have written it yet).

    Raises:
        SecretsNotAvailableError: with ``timeout``, if the file could not be read in time.

    .. versionadded:: 0.1.0
    """

    def __init__(self, path: str | os.PathLike[str], timeout: float | None = None) -> None:
        try:
            self._watcher = FileWatcher(path, parse_secrets_file, timeout=timeout, encoding="utf-8")
        except WatchedFileNotAvailableError as exc:
            raise SecretsNotAvailableError(exc) from exc

    @property
    def path(self) -> str:
        """The secrets file's path."""
        return self._watcher.path

    def _get_data(self, path: str | None = None) -> _Document:
        try:
            return self._watcher.get_data()
        except WatchedFileNotAvailableError as exc:
            raise SecretsNotAvailableError(exc, path) from exc

    def get_raw(self, path: str) -> dict[str, Any]:
        """Return the secret at ``path`` as stored: a mapping of its keys to their values.

        Args:
            path: The secret's Vault path, as listed in the fetcher's ``secrets`` key.

        Raises:
            SecretNotFoundError: the file has no secret at ``path``.
            CorruptSecretError: the secret is not a JSON object.
            SecretsNotAvailableError: the file could not be read.
        """
        try:
            secret = self._get_data(path)["secrets"][path]
        except KeyError:
            raise SecretNotFoundError(path) from None
        if not isinstance(secret, dict):
            raise CorruptSecretError(path, f"expected a JSON object, got {type(secret).__name__}")
        return secret

    def get_simple(self, path: str) -> bytes:
        """Decode and return a simple secret: one value.

        The secret's keys: ``type`` must be ``simple``; ``value`` holds the value;
        ``encoding`` is how the value is stored, ``identity`` (the default: the value's
        UTF-8 bytes) or ``base64``.

        Args:
            path: The secret's Vault path.

        Raises:
            SecretNotFoundError: the file has no secret at ``path``.
            CorruptSecretError: it is not a simple secret, has no value, or the value does
                not decode.
            SecretsNotAvailableError: the file could not be read.
        """
        secret = self.get_raw(path)
        _typed(path, secret, "simple")
        if "value" not in secret:
            raise CorruptSecretError(path, "a simple secret needs a 'value'")
        return _decode(path, secret.get("encoding", "identity"), secret["value"], "value")

    def get_versioned(self, path: str) -> VersionedSecret:
        """Decode and return a versioned secret: the current version, and others in rotation.

        The secret's keys: ``type`` must be ``versioned``; ``current`` holds the version in
        use, and the optional ``previous`` and ``next`` the versions either side of a
        rotation (accept them when checking, never use them to make new things);
        ``encoding`` is ``identity`` (the default) or ``base64``, for every version.

        Args:
            path: The secret's Vault path.

        Raises:
            SecretNotFoundError: the file has no secret at ``path``.
            CorruptSecretError: it is not a versioned secret, has no current version, or a
                version does not decode.
            SecretsNotAvailableError: the file could not be read.
        """
        secret = self.get_raw(path)
        _typed(path, secret, "versioned")
        if "current" not in secret:
            raise CorruptSecretError(path, "a versioned secret needs a 'current' version")
        encoding = secret.get("encoding", "identity")
        others = {
            key: _decode(path, encoding, secret[key], key) if secret.get(key) is not None else None
            for key in ("previous", "next")
        }
        current = _decode(path, encoding, secret["current"], "current")
        return VersionedSecret(current=current, **others)

    def get_credentials(self, path: str) -> CredentialSecret:
        """Decode and return a credential secret: a username and a password.

        The secret's keys: ``type`` must be ``credential``; ``username`` and ``password``
        (strings); ``encoding`` must be absent or ``identity``.

        Args:
            path: The secret's Vault path.

        Raises:
            SecretNotFoundError: the file has no secret at ``path``.
            CorruptSecretError: it is not a credential secret, has another encoding, or
                lacks a username or password (or one is not a string).
            SecretsNotAvailableError: the file could not be read.
        """
        secret = self.get_raw(path)
        _typed(path, secret, "credential")
        encoding = secret.get("encoding", "identity")
        if encoding != "identity":
            raise CorruptSecretError(
                path, f"a credential secret must have encoding 'identity', got {encoding!r}"
            )
        values = {}
        for key in ("username", "password"):
            value = secret.get(key)
            if not isinstance(value, str):
                found = "none" if value is None else type(value).__name__
                raise CorruptSecretError(
                    path, f"a credential secret needs a string {key!r}, got {found}"
                )
            values[key] = value
        return CredentialSecret(**values)

    def _vault(self, key: str) -> str:
        data = self._get_data(f"vault.{key}")
        value = data.get("vault", {}).get(key)
        if value is None and key == "token":
            value = data.get("vault_token")  # older fetchers wrote only this
        if not isinstance(value, str) or not value:
            raise SecretNotFoundError(f"vault.{key}")
        return value

    def get_vault_url(self) -> str:
        """Return the URL of the Vault server the fetcher read the secrets from.

        For talking to Vault directly (see :mod:`baseplate.context.hvac`).

        Raises:
            SecretNotFoundError: the file has no Vault URL (``"vault.url"``).
            SecretsNotAvailableError: the file could not be read.
        """
        return self._vault("url")

    def get_vault_token(self) -> str:
        """Return the fetcher's Vault token, with the policies of the role it logged in as.

        Only needed to talk to Vault directly (see :mod:`baseplate.context.hvac`). The
        fetcher renews the token, or logs in again, before it expires, and writes the new one
        here.

        Raises:
            SecretNotFoundError: the file has no Vault token (``"vault.token"``).
            SecretsNotAvailableError: the file could not be read.
        """
        return self._vault("token")

    def make_object_for_context(self, name: str, span: Span) -> SecretsStore:
        """Return a store for one request, reading the file at most once in it.

        Used by :meth:`baseplate.core.Baseplate.add_to_context`::

            secrets = SecretsStore("/var/local/secrets.json")
            baseplate.add_to_context("secrets", secrets)

        The returned store has the same methods; the first one called in the request reads
        the file (a ``stat``, and a parse if the file changed), and the rest reuse what it
        read.
        """
        return _RequestSecretsStore(self._watcher)


class _RequestSecretsStore(SecretsStore):
    """One request's view of the secrets file: read once, on first use."""

    def __init__(self, watcher: FileWatcher[_Document]) -> None:  # no super(): shares the watcher
        self._watcher = watcher
        self._data: _Document | None = None

    def _get_data(self, path: str | None = None) -> _Document:
        if self._data is None:
            self._data = super()._get_data(path)
        return self._data

    def make_object_for_context(self, name: str, span: Span) -> SecretsStore:
        return self


def secrets_store_from_config(
    app_config: config.RawConfig, timeout: float | None = None, prefix: str = "secrets."
) -> SecretsStore:
    """Make a :class:`SecretsStore` from the application's configuration.

    The one key, under ``prefix``:

    ``path`` (optional)
        The secrets file the fetcher writes; default ``/var/local/secrets.json``.

    Args:
        app_config: The application's raw configuration (e.g. its ``[app:main]`` section).
        timeout: If given, wait up to this many seconds for the file to become readable.
        prefix: The keys' prefix, ending with a dot.

    Raises:
        ValueError: ``prefix`` does not end with a dot.
        baseplate.config.ConfigurationError: naming the key, if its value is bad.
        SecretsNotAvailableError: with ``timeout``, if the file could not be read in time.

    .. versionadded:: 0.1.0
    """
    if not prefix.endswith("."):
        raise ValueError(f"prefix must end with '.', got {prefix!r}")
    spec: dict[str, Any] = {"path": config.Optional(config.String, default=DEFAULT_PATH)}
    for part in reversed(prefix[:-1].split(".")):
        spec = {part: spec}
    options: Any = config.parse_config(app_config, spec)
    for part in prefix[:-1].split("."):
        options = options[part]
    return SecretsStore(options.path, timeout=timeout)
