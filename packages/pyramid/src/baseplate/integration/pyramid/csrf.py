"""CSRF tokens that need no session: signed, expiring, and bound to the authenticated user.

Needs the ``csrf`` extra (``pip install "baseplate-pyramid[csrf]"``), which brings
baseplate-crypto and baseplate-secrets. Register the policy with Pyramid and turn on its
checks::

    from baseplate.integration.pyramid.csrf import TokenCSRFStoragePolicy

    configurator.set_csrf_storage_policy(
        TokenCSRFStoragePolicy(secrets, "secret/my-service/csrf-signing-key")
    )
    configurator.set_default_csrf_options(require_csrf=True)

A token is ``1.`` followed by a signature, made with the current version of a versioned
secret, of ``1.<request.authenticated_userid>``: it is valid for that user only, until it
expires, and under any version of the secret (so the secret can rotate). Nothing is stored
on the server. Tokens are those of the original Baseplate framework's policy, so services on
either accept each other's.
"""

from __future__ import annotations

import datetime
from typing import Any

from pyramid.request import Request

from baseplate.crypto import SignatureError, make_signature, validate_signature
from baseplate.secrets import SecretsStore

__all__ = ["TokenCSRFStoragePolicy"]

_VERSION = "1"


class TokenCSRFStoragePolicy:
    """A Pyramid CSRF storage policy whose tokens are signed with a secret (HMAC-SHA256).

    It implements Pyramid's ``ICSRFStoragePolicy``: pass it to
    ``Configurator.set_csrf_storage_policy``. Each call of :meth:`get_csrf_token` (or
    :meth:`new_csrf_token`) makes a fresh token; every token made for a user stays valid for
    ``max_age``. Tokens need an authenticated user (``request.authenticated_userid``, from
    the application's security policy): a token is only worth something bound to one.

    Args:
        secrets: The secrets store holding the signing key.
        secret_path: The path of the versioned secret to sign with, e.g.
            ``secret/my-service/csrf-signing-key``.
        param: The name of the form field the token is sent in; give the same name to
            ``Configurator.set_default_csrf_options(token=...)``. Templates can read it as
            the policy's ``param`` attribute.
        max_age: How long a token stays valid.

    Raises:
        TypeError: if ``max_age`` is not a :class:`datetime.timedelta`.
        ValueError: if ``max_age`` is not positive, or ``secret_path`` or ``param`` is
            empty.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        secrets: SecretsStore,
        secret_path: str,
        param: str = "csrf_token",
        max_age: datetime.timedelta = datetime.timedelta(hours=1),
    ) -> None:
        if not isinstance(max_age, datetime.timedelta):
            raise TypeError(f"max_age must be a datetime.timedelta, got {max_age!r}")
        if max_age <= datetime.timedelta(0):
            raise ValueError(f"max_age must be positive, got {max_age!r}")
        for name, value in (("secret_path", secret_path), ("param", param)):
            if not isinstance(value, str) or not value:
                raise ValueError(f"{name} must be a non-empty str, got {value!r}")
        self.secrets = secrets
        self.secret_path = secret_path
        self.param = param
        self.max_age = max_age

    @staticmethod
    def _payload(version: str, user_id: object) -> str:
        return f"{version}.{user_id}"

    def new_csrf_token(self, request: Request) -> str:
        """Return a new token for the request's authenticated user.

        Raises:
            ValueError: if the request has no authenticated user.
            baseplate.secrets.SecretsError: if the signing key cannot be read.
        """
        user_id = request.authenticated_userid
        if user_id is None:
            raise ValueError(
                "TokenCSRFStoragePolicy makes tokens for authenticated users only and "
                "request.authenticated_userid is None; check that the user is logged in "
                "before asking for a token"
            )
        secret = self.secrets.get_versioned(self.secret_path)
        signature = make_signature(secret, self._payload(_VERSION, user_id), self.max_age)
        return f"{_VERSION}.{signature.decode('ascii')}"

    def get_csrf_token(self, request: Request) -> str:
        """Return a token for the request's authenticated user: always a new one.

        Raises:
            ValueError: if the request has no authenticated user.
            baseplate.secrets.SecretsError: if the signing key cannot be read.
        """
        return self.new_csrf_token(request)

    def check_csrf_token(self, request: Request, supplied_token: Any) -> bool:
        """Return whether ``supplied_token`` is a valid, unexpired token for this user.

        A token made for another user, under a secret version no longer held, malformed,
        or for a request with no authenticated user is not valid.

        Raises:
            baseplate.secrets.SecretsError: if the signing key cannot be read.
        """
        if not isinstance(supplied_token, str):
            return False
        version, dot, signature = supplied_token.partition(".")
        user_id = request.authenticated_userid
        if version != _VERSION or not dot or user_id is None:
            return False
        secret = self.secrets.get_versioned(self.secret_path)
        try:
            validate_signature(secret, self._payload(version, user_id), signature)
        except SignatureError:
            return False
        return True
