"""Message signatures: the format, signing and validation, and their errors.

A signature is the URL-safe base64 encoding of 39 bytes: a 7-byte header (little-endian: a
version byte, which is 1, two zero bytes, and the expiry time as an unsigned 32-bit count of
seconds since the epoch) followed by the HMAC-SHA256 digest, keyed with the secret, of the
header and the UTF-8 encoded message. 39 bytes encode to exactly 52 characters, so there is
no ``=`` padding.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import hmac
import struct
import time
from collections.abc import Iterable
from typing import AnyStr, NamedTuple, Protocol

_HEADER = struct.Struct("<BxxI")
_VERSION = 1
_DIGEST_SIZE = hashlib.sha256().digest_size
_LARGEST_EXPIRATION = 2**32 - 1


class SigningSecret(Protocol):
    """What signing needs of a secret: a :class:`baseplate.secrets.VersionedSecret` has it.

    .. versionadded:: 0.1.0
    """

    @property
    def current(self) -> bytes:
        """The version new signatures are made with."""
        ...

    @property
    def all_versions(self) -> Iterable[bytes | None]:
        """Every version a signature may have been made with (``None`` entries are skipped)."""
        ...


class SignatureError(Exception):
    """Base class of the errors a signature can fail validation with.

    .. versionadded:: 0.1.0
    """


class UnreadableSignatureError(SignatureError):
    """The signature is corrupt or not in the signature format.

    .. versionadded:: 0.1.0
    """


class IncorrectSignatureError(SignatureError):
    """The signature is readable but no version of the secret made it for this message.

    .. versionadded:: 0.1.0
    """


class ExpiredSignatureError(SignatureError):
    """The signature is correct but its expiry time has passed.

    Attributes:
        expiration: When it expired, in seconds since the UNIX epoch.

    .. versionadded:: 0.1.0
    """

    def __init__(self, expiration: int) -> None:
        super().__init__(f"the signature expired at {expiration} (seconds since the epoch)")
        self.expiration = expiration

    def __reduce__(self) -> tuple[type[ExpiredSignatureError], tuple[int]]:
        return type(self), (self.expiration,)


class SignatureInfo(NamedTuple):
    """What a valid signature says about itself.

    .. versionadded:: 0.1.0
    """

    version: int
    """The version of the signature format (1)."""

    expiration: int
    """When the signature expires, in seconds since the UNIX epoch."""


def _digest(key: bytes, header: bytes, message: str) -> bytes:
    return hmac.new(key, header + message.encode("utf-8"), hashlib.sha256).digest()


def make_signature(
    secret: SigningSecret,
    message: str,
    max_age: datetime.timedelta,
    *,
    now: float | None = None,
) -> bytes:
    """Return a signature of ``message`` made with ``secret.current``, valid for ``max_age``.

    Fetch the secret from the secret store right before signing and do not keep it, so that
    a rotated secret is used as soon as it is current.

    Args:
        secret: The signing key, e.g. from
            :meth:`baseplate.secrets.SecretsStore.get_versioned`.
        message: The message to sign.
        max_age: How long from now the signature stays valid.
        now: The current time in seconds since the epoch; defaults to :func:`time.time`
            (for tests).

    Returns:
        The signature, 52 bytes of URL-safe base64.

    Raises:
        TypeError: if ``message`` is not a str or ``max_age`` not a timedelta.
        ValueError: if the expiry time falls outside what the format can hold (the years
            1970 to 2106).

    .. versionadded:: 0.1.0
    """
    if not isinstance(message, str):
        raise TypeError(f"message must be a str, got {type(message).__name__}")
    if not isinstance(max_age, datetime.timedelta):
        raise TypeError(f"max_age must be a datetime.timedelta, got {max_age!r}")
    expiration = int((time.time() if now is None else now) + max_age.total_seconds())
    if not 0 <= expiration <= _LARGEST_EXPIRATION:
        raise ValueError(
            f"the signature would expire at {expiration} seconds since the epoch, outside the "
            f"0 to {_LARGEST_EXPIRATION} the format holds; choose a smaller max_age"
        )
    header = _HEADER.pack(_VERSION, expiration)
    return base64.urlsafe_b64encode(header + _digest(secret.current, header, message))


def validate_signature(
    secret: SigningSecret,
    message: str,
    signature: str | bytes,
    *,
    now: float | None = None,
) -> SignatureInfo:
    """Check that ``signature`` was made for ``message`` by a version of ``secret``.

    Every version the secret holds (current, previous, next) is tried, so signatures made
    just before or after a rotation are accepted. Expiry is checked only once the signature
    is known to be correct.

    Args:
        secret: The signing key, e.g. from
            :meth:`baseplate.secrets.SecretsStore.get_versioned`.
        message: The message the signature came with.
        signature: The signature, as :func:`make_signature` made it.
        now: The current time in seconds since the epoch; defaults to :func:`time.time`
            (for tests).

    Returns:
        The signature's version and expiry time.

    Raises:
        UnreadableSignatureError: the signature is not valid base64 or not in the format.
        IncorrectSignatureError: no version of the secret made this signature for this
            message.
        ExpiredSignatureError: the signature is correct but has expired.

    .. versionadded:: 0.1.0
    """
    try:
        raw = base64.urlsafe_b64decode(signature)
        version, expiration = _HEADER.unpack_from(raw)
    except (binascii.Error, ValueError, TypeError, struct.error) as exc:
        raise UnreadableSignatureError(f"the signature cannot be decoded: {exc}") from None
    digest = raw[_HEADER.size :]
    if version != _VERSION:
        raise UnreadableSignatureError(f"unknown signature format version {version}")
    if len(digest) != _DIGEST_SIZE:
        raise UnreadableSignatureError(
            f"the signature's digest has {len(digest)} bytes, expected {_DIGEST_SIZE}"
        )
    header = raw[: _HEADER.size]
    for key in secret.all_versions:
        if key is not None and hmac.compare_digest(_digest(key, header, message), digest):
            break
    else:
        raise IncorrectSignatureError("the signature does not match the message")
    if (time.time() if now is None else now) > expiration:
        raise ExpiredSignatureError(expiration)
    return SignatureInfo(version, expiration)


def constant_time_compare(a: AnyStr, b: AnyStr) -> bool:
    """Return ``a == b``, taking a time that does not depend on where they differ.

    For comparing secrets (tokens, digests) without a timing side channel. ``a`` and ``b``
    must be of the same type: both str (ASCII only) or both bytes-like. Their lengths, and
    whether they are of a usable type, may still be learnt from timing; their contents not.

    Raises:
        TypeError: if the two are of different types, or a str is not ASCII.

    .. versionadded:: 0.1.0
    """
    return hmac.compare_digest(a, b)
