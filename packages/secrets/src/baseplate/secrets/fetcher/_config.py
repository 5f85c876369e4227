"""The fetcher's ``[secret-fetcher]`` section, parsed and checked in full at start-up."""

from __future__ import annotations

import dataclasses
import urllib.parse
from typing import Any

from baseplate import config

from .._store import DEFAULT_PATH

SECTION = "secret-fetcher"

#: How the fetcher can log in to Vault (``vault.auth_type``).
AUTH_TYPES = ("aws", "kubernetes", "jwt", "token")

# The auth methods' usual mount points; ``aws-ec2`` is what the original fetcher assumed.
_DEFAULT_MOUNT_POINTS = {"aws": "aws-ec2", "kubernetes": "kubernetes", "jwt": "jwt"}
KUBERNETES_TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/token"  # noqa: S105
NONCE_PATH = "/var/local/vault.nonce"


def _vault_url(text: str) -> str:
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"expected an http:// or https:// URL like 'https://vault.example.com:8200', "
            f"got {text!r}"
        )
    return text.rstrip("/")


def _mode(text: str) -> int:
    mode = config.Integer(text, base=8)
    if not 0 <= mode <= 0o7777:
        raise ValueError(f"expected an octal file mode such as 0400, got {text!r}")
    return mode


_SPEC: dict[str, Any] = {
    "vault": {
        "url": _vault_url,
        "role": config.Optional(config.String),
        "auth_type": config.Optional(
            config.OneOf(**{name: name for name in AUTH_TYPES}), default="aws"
        ),
        "mount_point": config.Optional(config.String),
        "jwt_path": config.Optional(config.String),
        "token_path": config.Optional(config.String),
        "nonce_path": config.Optional(config.String, default=NONCE_PATH),
        "timeout": config.Optional(
            config.Positive(config.TimespanOrSeconds), default=config.Timespan("10 seconds")
        ),
        "ca_cert": config.Optional(config.String),
    },
    "output": {
        "path": config.Optional(config.String, default=DEFAULT_PATH),
        "owner": config.Optional(config.UnixUser, default=0),
        "group": config.Optional(config.UnixGroup, default=0),
        "mode": config.Optional(_mode, default=0o400),
    },
    "secrets": config.Optional(config.TupleOf(config.String), default=[]),
    "refresh_interval": config.Optional(
        config.Positive(config.TimespanOrSeconds), default=config.Timespan("5 minutes")
    ),
}


@dataclasses.dataclass(frozen=True)
class FetcherConfig:
    """The fetcher's settings, as :func:`parse_fetcher_config` read them.

    The attributes are the section's keys; times are in seconds.

    .. versionadded:: 0.1.0
    """

    vault_url: str
    auth_type: str
    role: str | None
    mount_point: str | None
    jwt_path: str | None
    token_path: str | None
    nonce_path: str
    timeout: float
    ca_cert: str | None
    output_path: str
    owner: int
    group: int
    mode: int
    secrets: tuple[str, ...]
    refresh_interval: float


def _required(key: str, value: str | None, auth_type: str) -> str:
    if value is None:
        raise config.ConfigurationError(key, f"required when vault.auth_type is {auth_type!r}")
    return value


def parse_fetcher_config(raw_config: config.RawConfig) -> FetcherConfig:
    """Parse and check the ``[secret-fetcher]`` section (see :mod:`baseplate.secrets.fetcher`).

    Args:
        raw_config: The section's keys and values.

    Raises:
        baseplate.config.ConfigurationError: naming the key that is missing or bad.

    .. versionadded:: 0.1.0
    """
    cfg: Any = config.parse_config(raw_config, _SPEC)
    vault = cfg.vault
    auth_type = vault.auth_type
    jwt_path = vault.jwt_path
    if auth_type == "token":
        _required("vault.token_path", vault.token_path, auth_type)
    else:
        _required("vault.role", vault.role, auth_type)
    if auth_type == "kubernetes" and jwt_path is None:
        jwt_path = KUBERNETES_TOKEN_PATH
    elif auth_type == "jwt":
        _required("vault.jwt_path", jwt_path, auth_type)
    return FetcherConfig(
        vault_url=vault.url,
        auth_type=auth_type,
        role=vault.role,
        mount_point=vault.mount_point or _DEFAULT_MOUNT_POINTS.get(auth_type),
        jwt_path=jwt_path,
        token_path=vault.token_path,
        nonce_path=vault.nonce_path,
        timeout=vault.timeout.total_seconds(),
        ca_cert=vault.ca_cert,
        output_path=cfg.output.path,
        owner=cfg.output.owner,
        group=cfg.output.group,
        mode=cfg.output.mode,
        secrets=tuple(dict.fromkeys(cfg.secrets)),
        refresh_interval=cfg.refresh_interval.total_seconds(),
    )
