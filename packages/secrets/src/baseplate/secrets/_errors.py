"""The errors the secrets store raises; each names the secret it was asked for."""

from __future__ import annotations

from typing import Any


class SecretsError(Exception):
    """Base class of the errors of :mod:`baseplate.secrets`.

    .. versionadded:: 0.1.0
    """


class SecretNotFoundError(SecretsError):
    """The secrets file has no secret at the requested path.

    The fetcher writes only the secrets listed in its ``secrets`` key: add the path there.

    Args:
        name: The path that was asked for (``"vault.token"`` or ``"vault.url"`` for the Vault
            connection details).

    Attributes:
        name: The path that was asked for.

    .. versionadded:: 0.1.0
    """

    def __init__(self, name: str) -> None:
        super().__init__(f"secret not found: {name!r}")
        self.name = name

    def __reduce__(self) -> tuple[type[SecretNotFoundError], tuple[str]]:
        return type(self), (self.name,)


class CorruptSecretError(SecretsError):
    """The secret at ``path`` is not in the format the method expects.

    For example a ``get_simple`` call on a versioned secret, a missing ``value``, an unknown
    ``encoding`` or a value that is not valid base64.

    Args:
        path: The secret's path.
        message: What is wrong with it.

    Attributes:
        path: The secret's path.
        message: What is wrong with it.

    .. versionadded:: 0.1.0
    """

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message

    def __reduce__(self) -> tuple[type[CorruptSecretError], tuple[str, str]]:
        return type(self), (self.path, self.message)


class SecretsNotAvailableError(SecretsError):
    """The secrets file could not be read, and no earlier version of it was.

    The file is missing (the fetcher has not written it yet), unreadable, or not a secrets
    file (not JSON, or without a ``secrets`` object). Once a good version has been read, a
    later bad one never replaces it, so this is raised only before that.

    Args:
        inner: Why: usually a :exc:`baseplate.file_watcher.WatchedFileNotAvailableError`,
            whose message names the file and the reason.
        path: The secret that was asked for, if any.

    Attributes:
        inner: Why the file could not be read.
        path: The secret that was asked for, or ``None``.

    .. versionadded:: 0.1.0
    """

    def __init__(self, inner: BaseException | str, path: str | None = None) -> None:
        prefix = f"cannot read secret {path!r}" if path is not None else "secrets not available"
        super().__init__(f"{prefix}: {inner}")
        self.inner = inner
        self.path = path

    def __reduce__(self) -> tuple[type[SecretsNotAvailableError], tuple[Any, str | None]]:
        return type(self), (self.inner, self.path)
