"""Logging in to Vault: the four ways the fetcher can get a token."""

from __future__ import annotations

import dataclasses
import logging
import os
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

import hvac
import hvac.exceptions

from baseplate import config

from ._config import FetcherConfig

logger = logging.getLogger("baseplate.secrets.fetcher")

#: The EC2 instance metadata service.
EC2_METADATA_URL = "http://169.254.169.254"


class LoginError(Exception):
    """Vault refused the login, or its answer was not a login (the message says which)."""


@dataclasses.dataclass(frozen=True)
class Token:
    """A Vault token and how long it lasts.

    Attributes:
        token: The token.
        ttl: Seconds it lasts from ``issued``; 0 when it never expires.
        renewable: Whether ``auth/token/renew-self`` can extend it.
        issued: When it was obtained or last renewed (``time.monotonic()``).
    """

    token: str = dataclasses.field(repr=False)
    ttl: float
    renewable: bool
    issued: float


def token_from_login(response: Mapping[str, Any] | None, what: str) -> Token:
    """Read the token out of a login (or renewal) response."""
    auth = response.get("auth") if isinstance(response, Mapping) else None
    if not isinstance(auth, Mapping) or not isinstance(auth.get("client_token"), str):
        raise LoginError(f"{what}: Vault's answer has no auth.client_token")
    return Token(
        token=auth["client_token"],
        ttl=float(auth.get("lease_duration") or 0),
        renewable=bool(auth.get("renewable")),
        issued=time.monotonic(),
    )


def _use(client: hvac.Client, token: Token) -> Token:
    client.token = token.token
    return token


class Authenticator(Protocol):
    """One way of getting a Vault token."""

    #: Whether logging in again gives a fresh token (not so for a plain token).
    can_log_in_again: bool

    def describe(self) -> str:
        """Say how it logs in, for the log."""
        ...

    def login(self, client: hvac.Client) -> Token:
        """Get a token, set it on ``client`` and return it.

        Raises:
            LoginError, hvac.exceptions.VaultError, OSError, requests.RequestException.
        """
        ...


def _read_text(path: str, what: str) -> str:
    with open(path, encoding="utf-8") as file:
        text = file.read().strip()
    if not text:
        raise LoginError(f"{what} {path} is empty")
    return text


class TokenFileLogin:
    """A token made elsewhere, read from a file (re-read at each login, so it can be replaced).

    Its lifetime is asked of Vault (``auth/token/lookup-self``).
    """

    can_log_in_again = False

    def __init__(self, token_path: str) -> None:
        self.token_path = token_path

    def describe(self) -> str:
        return f"the token in {self.token_path}"

    def login(self, client: hvac.Client) -> Token:
        client.token = _read_text(self.token_path, "the token file")
        data = client.auth.token.lookup_self().get("data") or {}
        return Token(
            token=client.token,
            ttl=float(data.get("ttl") or 0),
            renewable=bool(data.get("renewable")),
            issued=time.monotonic(),
        )


class JwtLogin:
    """A role login with a JSON Web Token read from a file: the JWT/OIDC method, and the
    Kubernetes method with the pod's service-account token (the same request body)."""

    can_log_in_again = True

    def __init__(self, method: str, role: str, mount_point: str, jwt_path: str) -> None:
        self.method = method
        self.role = role
        self.mount_point = mount_point
        self.jwt_path = jwt_path

    def describe(self) -> str:
        return (
            f"{self.method} login as role {self.role!r} at auth/{self.mount_point} "
            f"with the JWT in {self.jwt_path}"
        )

    def login(self, client: hvac.Client) -> Token:
        jwt = _read_text(self.jwt_path, "the JWT file")
        if self.method == "kubernetes":
            response = client.auth.kubernetes.login(
                role=self.role, jwt=jwt, mount_point=self.mount_point, use_token=False
            )
        else:
            response = client.auth.jwt.jwt_login(
                role=self.role, jwt=jwt, path=self.mount_point, use_token=False
            )
        return _use(client, token_from_login(response, self.describe()))


class AwsEc2Login:
    """A login with the EC2 instance's signed identity document (PKCS#7).

    The document comes from the instance metadata service (with an IMDSv2 session token when
    the service offers one). Vault ties the instance to the first nonce it logs in with, so
    the nonce is made once and kept in ``nonce_path`` (mode 0400) for every later login.
    """

    can_log_in_again = True

    def __init__(
        self,
        role: str,
        mount_point: str,
        nonce_path: str,
        timeout: float,
        metadata_url: str = EC2_METADATA_URL,
    ) -> None:
        self.role = role
        self.mount_point = mount_point
        self.nonce_path = nonce_path
        self.timeout = timeout
        self.metadata_url = metadata_url.rstrip("/")

    def describe(self) -> str:
        return f"aws EC2 login as role {self.role!r} at auth/{self.mount_point}"

    def _metadata(self, path: str, headers: dict[str, str], method: str = "GET") -> str:
        request = urllib.request.Request(  # noqa: S310  (the URL is ours: http://)
            self.metadata_url + path, headers=headers, method=method
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            return str(response.read().decode("ascii"))

    def identity_document(self) -> str:
        """Return the instance's PKCS#7 identity document, without its line breaks."""
        headers = {}
        try:
            session = self._metadata(
                "/latest/api/token",
                {"X-aws-ec2-metadata-token-ttl-seconds": "60"},
                method="PUT",
            )
        except urllib.error.HTTPError as exc:  # IMDSv1 only: ask without a session
            logger.debug("No IMDSv2 session token (HTTP %s); asking without one", exc.code)
        else:
            headers["X-aws-ec2-metadata-token"] = session
        pkcs7 = self._metadata("/latest/dynamic/instance-identity/pkcs7", headers)
        return pkcs7.replace("\n", "")

    def nonce(self) -> str:
        """Return the nonce of this instance's logins, making and keeping it the first time."""
        try:
            return _read_text(self.nonce_path, "the nonce file")
        except FileNotFoundError:
            pass
        nonce = str(uuid.uuid4())
        fd = os.open(self.nonce_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(nonce)
            file.flush()
            os.fsync(file.fileno())
        logger.info("Made a new login nonce in %s", self.nonce_path)
        return nonce

    def login(self, client: hvac.Client) -> Token:
        pkcs7 = self.identity_document()
        nonce = self.nonce()
        try:
            response = client.auth.aws.ec2_login(
                pkcs7=pkcs7,
                nonce=nonce,
                role=self.role,
                mount_point=self.mount_point,
                use_token=False,
            )
        except hvac.exceptions.InvalidRequest:
            logger.error(
                "Vault refused the EC2 login (HTTP 400). If this instance logged in before "
                "with another nonce (was %s lost?), a Vault operator must remove the "
                "instance from auth/%s/identity-accesslist before it can log in again.",
                self.nonce_path,
                self.mount_point,
            )
            raise
        return _use(client, token_from_login(response, self.describe()))


def _setting(value: str | None, key: str, auth_type: str) -> str:
    if value is None:  # parse_fetcher_config makes sure of it; a hand-made config may not
        raise config.ConfigurationError(key, f"required when vault.auth_type is {auth_type!r}")
    return value


def make_authenticator(cfg: FetcherConfig) -> Authenticator:
    """Return the authenticator that ``vault.auth_type`` asks for.

    Raises:
        baseplate.config.ConfigurationError: a setting the method needs is missing.
    """
    kind = cfg.auth_type
    if kind == "token":
        return TokenFileLogin(_setting(cfg.token_path, "vault.token_path", kind))
    role = _setting(cfg.role, "vault.role", kind)
    mount_point = _setting(cfg.mount_point, "vault.mount_point", kind)
    if kind == "aws":
        return AwsEc2Login(role, mount_point, cfg.nonce_path, cfg.timeout)
    return JwtLogin(kind, role, mount_point, _setting(cfg.jwt_path, "vault.jwt_path", kind))
