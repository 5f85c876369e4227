"""Authentication tokens: RS256 JWTs checked against the authentication service's public key."""

from __future__ import annotations

import logging
import types
from collections.abc import Mapping, Sequence
from typing import Any

import jwt
from jwt.algorithms import RSAAlgorithm

from baseplate.secrets import SecretsStore

logger = logging.getLogger("baseplate.edgecontext")

#: The path of the versioned secret holding the authentication service's public key (PEM);
#: every version it holds (current, previous, next) is accepted, so the key can rotate.
PUBLIC_KEY_PATH = "secret/authentication/public-key"

_ALGORITHM = "RS256"


class NoAuthenticationError(Exception):
    """Raised when trying to use an invalid or missing authentication token.

    Reading the user's account id, roles, the OAuth client or the calling service raises it
    when the request carried no token, or one that was malformed, forged or expired.

    .. versionadded:: 0.1.0
    """


class AuthenticationToken:
    """Information about the authenticated user: the claims of a validated token.

    :class:`~baseplate.edgecontext.EdgeRequestContext` provides high-level helpers for
    extracting data from authentication tokens (``user``, ``oauth_client``, ``service``);
    use those instead of direct access through this class.

    A token made with ``claims=None`` stands for a missing or rejected one: it is not
    :attr:`valid`, and each of its claims raises :exc:`NoAuthenticationError`.

    Args:
        claims: The claims of a token whose signature and expiry were checked, or ``None``.

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_claims",)

    def __init__(self, claims: Mapping[str, Any] | None = None) -> None:
        self._claims = None if claims is None else types.MappingProxyType(dict(claims))

    def __repr__(self) -> str:
        if self._claims is None:
            return f"{type(self).__name__}(<invalid>)"
        return f"{type(self).__name__}(subject={self._claims.get('sub')!r})"

    @property
    def valid(self) -> bool:
        """Whether the request carried a token that passed validation."""
        return self._claims is not None

    @property
    def claims(self) -> Mapping[str, Any]:
        """Every claim of the token, read-only.

        Raises:
            NoAuthenticationError: if the token is missing or invalid.
        """
        if self._claims is None:
            raise NoAuthenticationError("the request has no valid authentication token")
        return self._claims

    def _string_claim(self, name: str) -> str | None:
        value = self.claims.get(name)
        return value if isinstance(value, str) else None

    @property
    def subject(self) -> str | None:
        """Return the raw ``subject`` that is authenticated (the ``sub`` claim).

        Raises:
            NoAuthenticationError: if the token is missing or invalid.
        """
        return self._string_claim("sub")

    @property
    def user_roles(self) -> frozenset[str]:
        """The ``roles`` claim, as a set (empty when the token has none).

        Raises:
            NoAuthenticationError: if the token is missing or invalid.
        """
        roles = self.claims.get("roles")
        if not isinstance(roles, Sequence) or isinstance(roles, str):
            return frozenset()
        return frozenset(role for role in roles if isinstance(role, str))

    @property
    def oauth_client_id(self) -> str | None:
        """The ``client_id`` claim: the OAuth2 client the user authenticated through.

        Raises:
            NoAuthenticationError: if the token is missing or invalid.
        """
        return self._string_claim("client_id")

    @property
    def oauth_client_type(self) -> str | None:
        """The ``client_type`` claim: the kind of OAuth2 client.

        Raises:
            NoAuthenticationError: if the token is missing or invalid.
        """
        return self._string_claim("client_type")


_INVALID = AuthenticationToken()


def _parse_key(numbered: tuple[int, bytes]) -> Any:
    """Return the public key in one version of the secret, or ``None`` (logged) if it has none."""
    number, pem = numbered
    try:
        key = RSAAlgorithm(RSAAlgorithm.SHA256).prepare_key(pem)
    except (jwt.InvalidKeyError, ValueError, TypeError) as exc:
        logger.error(
            "Version %d of %s (counting current, previous, next from 0) is not an RSA public "
            "key in PEM format, so tokens signed with its private key are rejected: %s",
            number,
            PUBLIC_KEY_PATH,
            exc,
        )
        return None
    public_half = getattr(key, "public_key", None)
    if public_half is not None:  # a private key: it verifies as its public half
        logger.warning(
            "Version %d of %s is a private key; services need only the public key, store "
            "that instead",
            number,
            PUBLIC_KEY_PATH,
        )
        key = public_half()
    return key


class AuthenticationTokenValidator:
    """Checks raw authentication tokens against the authentication service's public key.

    A token is an RS256 JWT. It is accepted when its signature verifies with any version of
    the versioned secret ``secret/authentication/public-key`` (a PEM public key, tried in
    the order current, previous, next) and it has not expired. Anything else -- no token,
    a malformed, forged or expired one, or one signed with another algorithm -- gives an
    invalid :class:`AuthenticationToken`; :meth:`validate` never raises for a bad token.

    The keys are read from the secrets store at each validation (so a rotation is seen at
    once) and parsed only when they change.

    Args:
        secrets: The secrets store holding the public key.

    .. versionadded:: 0.1.0
    """

    def __init__(self, secrets: SecretsStore) -> None:
        self.secrets = secrets
        # The versions last read and their parsed keys, replaced as one tuple so that
        # concurrent requests always see a matching pair.
        self._keys: tuple[tuple[bytes, ...], tuple[Any, ...]] = ((), ())

    def _public_keys(self) -> tuple[Any, ...]:
        versions = tuple(self.secrets.get_versioned(PUBLIC_KEY_PATH).all_versions)
        raw, parsed = self._keys
        if versions != raw:
            parsed = tuple(key for key in map(_parse_key, enumerate(versions)) if key is not None)
            self._keys = (versions, parsed)
        return parsed

    def validate(self, token: str | bytes | None) -> AuthenticationToken:
        """Validate a raw authentication token and return what it says.

        Args:
            token: The token as the authentication service issued it, received directly or
                from an upstream service; ``None`` or empty when there is none.

        Returns:
            The token's claims, or an invalid token (see :attr:`AuthenticationToken.valid`)
            when it is missing or does not pass validation. Why a token was rejected is
            logged at debug level.

        Raises:
            baseplate.secrets.SecretsError: if the public key cannot be read from the
                secrets store (it is missing, corrupt, or the store's file is not
                available); only a non-empty token needs the key.

        .. versionadded:: 0.1.0
        """
        if not token:
            return _INVALID
        reason: Exception | None = None
        for key in self._public_keys():
            try:
                claims = jwt.decode(token, key, algorithms=[_ALGORITHM])
            except jwt.InvalidSignatureError as exc:
                reason = exc  # not this version's signature: try the next one
                continue
            except jwt.InvalidTokenError as exc:
                # Malformed, or signed by this version but expired (or otherwise unusable):
                # no other version can do better.
                reason = exc
                break
            return AuthenticationToken(claims)
        logger.debug(
            "Rejecting the authentication token: %s",
            reason or f"{PUBLIC_KEY_PATH} holds no usable key",
        )
        return _INVALID
