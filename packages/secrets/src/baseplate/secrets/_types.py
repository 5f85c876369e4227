"""The decoded forms of a secret: versioned and credential secrets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple


class VersionedSecret(NamedTuple):
    """A secret that rotates: the current version and, while rotating, the previous and next.

    Use :attr:`current` to make things (sign a message, encrypt); accept anything made by
    any of :attr:`all_versions` when checking, so that services that have not yet seen a
    rotation keep working with those that have.

    The repr shows which versions are present but never their values.

    Attributes:
        previous: The version before :attr:`current`, or ``None``.
        current: The version to use for new signatures and tokens.
        next: The version that will become current, or ``None``.

    .. versionadded:: 0.1.0
    """

    previous: bytes | None
    current: bytes
    next: bytes | None

    @property
    def all_versions(self) -> Iterator[bytes]:
        """Iterate over the versions present, current first, then previous, then next."""
        yield self.current
        if self.previous is not None:
            yield self.previous
        if self.next is not None:
            yield self.next

    @classmethod
    def from_simple_secret(cls, value: bytes) -> VersionedSecret:
        """Make a versioned secret whose only version is ``value``.

        For passing a simple secret to an API that takes versioned ones; a real versioned
        secret from :meth:`SecretsStore.get_versioned` rotates without downtime, this does not.

        Args:
            value: The secret's value.
        """
        return cls(previous=None, current=value, next=None)

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={'<redacted>' if value is not None else None}"
            for name, value in zip(self._fields, self, strict=True)
        )
        return f"{type(self).__name__}({shown})"


class CredentialSecret(NamedTuple):
    """A username and password kept together as one secret.

    Not versioned: credentials rotate by issuing a new pair. The repr shows the username but
    never the password.

    Attributes:
        username: The username.
        password: The password.

    .. versionadded:: 0.1.0
    """

    username: str
    password: str

    def __repr__(self) -> str:
        return f"{type(self).__name__}(username={self.username!r}, password=<redacted>)"
