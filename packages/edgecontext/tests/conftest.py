"""Helpers for baseplate-edgecontext's tests: RSA keys, a real secrets file, signed tokens.

The tests make their own RSA key pairs. The authentication service's public key is a
versioned secret in a secrets file read by a real :class:`~baseplate.secrets.SecretsStore`;
``make_token`` signs tokens the way the authentication service does (RS256).

This directory is put on ``sys.path`` so that the end-to-end tests' services
(``edge_services``) and the generated test service (``edgecontext_testgen``, from
``edgecontext_testservice.thrift`` by ``tools/thrift-codegen.sh``) import by name, in the
tests and in the ``baseplate-serve`` processes started here.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from baseplate.edgecontext import PUBLIC_KEY_PATH, EdgeRequestContextFactory
from baseplate.secrets import SecretsStore

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

#: The subject of the tokens ``make_token`` signs unless told otherwise.
USER_ID = "t2_example"


class KeyPair:
    """An RSA key pair: ``private_pem`` signs tokens, ``public_pem`` goes in the secret."""

    def __init__(self) -> None:
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private_pem = self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self.public_pem = self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


@pytest.fixture(scope="session")
def keys() -> dict[str, KeyPair]:
    """Key pairs by role: ``current``, ``previous`` and ``next`` are the secret's versions;
    ``stranger`` is in no secret (its tokens are forgeries)."""
    return {role: KeyPair() for role in ("current", "previous", "next", "stranger")}


def secrets_document(versions: dict[str, bytes | str | None]) -> dict[str, Any]:
    """A secrets file's content with the public-key secret's versions (``current``, ...)."""
    secret: dict[str, Any] = {"type": "versioned", "encoding": "identity"}
    for version, value in versions.items():
        secret[version] = value.decode() if isinstance(value, bytes) else value
    return {"secrets": {PUBLIC_KEY_PATH: secret}, "vault": {"url": "", "token": ""}}


def write_secrets(path: Path, document: dict[str, Any]) -> None:
    """Replace the secrets file at ``path`` at once (a new inode), as the fetcher does."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(document))
    os.replace(temporary, path)


@pytest.fixture
def secrets_path(tmp_path: Path, keys: dict[str, KeyPair]) -> Path:
    """A secrets file whose public-key secret has the current, previous and next keys."""
    path = tmp_path / "secrets.json"
    write_secrets(
        path,
        secrets_document({role: keys[role].public_pem for role in ("current", "previous", "next")}),
    )
    return path


@pytest.fixture
def secrets(secrets_path: Path) -> SecretsStore:
    """A secrets store over ``secrets_path``."""
    return SecretsStore(secrets_path)


@pytest.fixture
def factory(secrets: SecretsStore) -> EdgeRequestContextFactory:
    """An edge request context factory over the ``secrets`` store."""
    return EdgeRequestContextFactory(secrets)


@pytest.fixture
def make_token(keys: dict[str, KeyPair]) -> Callable[..., str]:
    """``make_token(key="current", expires_in=3600, **claims)``: a signed RS256 token.

    Its subject is ``USER_ID`` unless a ``sub`` claim is given; a claim given as ``None`` is
    left out.
    """

    def make(key: str = "current", expires_in: float = 3600, **claims: Any) -> str:
        payload = {"sub": USER_ID, "exp": int(time.time() + expires_in), **claims}
        payload = {name: value for name, value in payload.items() if value is not None}
        return jwt.encode(payload, keys[key].private_pem, algorithm="RS256")

    return make
