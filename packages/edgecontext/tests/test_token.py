"""Tests for authentication token validation (baseplate.edgecontext._token)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging

import jwt
import pytest
from conftest import USER_ID, secrets_document, write_secrets

from baseplate.edgecontext import (
    AuthenticationToken,
    AuthenticationTokenValidator,
    NoAuthenticationError,
)
from baseplate.secrets import SecretNotFoundError, SecretsStore


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned_token(header: dict, payload: dict, signature: bytes = b"") -> str:
    head = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(payload).encode())
    return head + "." + _b64(signature)


@pytest.fixture
def validator(secrets):
    return AuthenticationTokenValidator(secrets)


@pytest.mark.parametrize("key", ["current", "previous", "next"])
def test_a_token_signed_with_any_version_of_the_key_is_valid(validator, make_token, key):
    """Every version of the public key in the secret is accepted, so the key can rotate."""
    token = validator.validate(make_token(key=key, roles=["admin"]))

    assert token.valid
    assert token.subject == USER_ID
    assert frozenset({"admin"}) == token.user_roles


def test_claims_are_read_from_the_token(validator, make_token):
    """The subject, roles and OAuth client claims become the token's properties."""
    raw = make_token(roles=["admin", "beta"], client_id="abc", client_type="third_party")

    token = validator.validate(raw)

    assert (USER_ID, frozenset({"admin", "beta"}), "abc", "third_party") == (
        token.subject,
        token.user_roles,
        token.oauth_client_id,
        token.oauth_client_type,
    )
    assert token.claims["client_id"] == "abc"


def test_a_token_given_as_bytes_is_accepted(validator, make_token):
    """A token in bytes validates as its text does."""
    assert validator.validate(make_token().encode()).valid


def test_missing_optional_claims_read_as_none_or_empty(validator, make_token):
    """A token without roles or client claims has no roles and no OAuth client."""
    token = validator.validate(make_token())

    assert (frozenset(), None, None) == (
        token.user_roles,
        token.oauth_client_id,
        token.oauth_client_type,
    )


def test_claims_of_the_wrong_type_are_ignored(validator, make_token):
    """Roles that are not a list of strings, or a client id that is not a string, read as
    absent rather than failing the handler that reads them."""
    token = validator.validate(make_token(roles="admin", client_id=12))

    assert (frozenset(), None) == (token.user_roles, token.oauth_client_id)


def _rejected(validator, raw) -> AuthenticationToken:
    token = validator.validate(raw)
    assert not token.valid
    with pytest.raises(NoAuthenticationError):
        _ = token.subject
    return token


def test_an_expired_token_is_invalid(validator, make_token):
    """A correctly signed token past its expiry time is rejected, without an exception."""
    _rejected(validator, make_token(expires_in=-10))


def test_a_token_signed_with_another_key_is_invalid(validator, make_token):
    """A token signed by a key that is not in the secret is a forgery."""
    _rejected(validator, make_token(key="stranger"))


def test_a_tampered_token_is_invalid(validator, make_token):
    """Changing the payload of a signed token breaks its signature."""
    header, _, signature = make_token().split(".")
    forged_payload = _b64(json.dumps({"sub": "t2_admin", "exp": 4102444800}).encode())

    _rejected(validator, f"{header}.{forged_payload}.{signature}")


def test_an_unsigned_token_is_invalid(validator):
    """A token declaring ``alg: none`` is never accepted."""
    _rejected(validator, _unsigned_token({"alg": "none", "typ": "JWT"}, {"sub": USER_ID}))


def test_a_token_signed_with_the_public_key_as_an_hmac_secret_is_invalid(validator, keys):
    """The algorithm is fixed to RS256: an HS256 token keyed with the (public) key is
    rejected."""
    header = {"alg": "HS256", "typ": "JWT"}
    payload = {"sub": USER_ID}
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(payload).encode())
    signature = hmac.new(keys["current"].public_pem, signing_input.encode(), hashlib.sha256)

    _rejected(validator, signing_input + "." + _b64(signature.digest()))


@pytest.mark.parametrize("raw", ["garbage", "a.b.c", "é.é.é", b"\xff\xfe"])
def test_a_malformed_token_is_invalid(validator, raw):
    """Anything that is not a JWT is rejected, without an exception."""
    _rejected(validator, raw)


def test_why_a_token_was_rejected_is_logged_at_debug_level(validator, make_token, caplog):
    """The rejection's reason is logged (at debug level), never the token."""
    raw = make_token(expires_in=-10)

    with caplog.at_level(logging.DEBUG, logger="baseplate.edgecontext"):
        validator.validate(raw)

    assert "Rejecting the authentication token: Signature has expired" in caplog.text
    assert raw not in caplog.text


@pytest.mark.parametrize("raw", [None, "", b""])
def test_no_token_is_invalid_without_reading_the_secret(tmp_path, raw):
    """A request without a token never needs the public key: the secrets file may be
    missing."""
    validator = AuthenticationTokenValidator(SecretsStore(tmp_path / "missing.json"))

    assert not validator.validate(raw).valid


def test_every_claim_of_an_invalid_token_raises():
    """An invalid token's claims all raise NoAuthenticationError."""
    token = AuthenticationToken(None)

    for name in ("claims", "subject", "user_roles", "oauth_client_id", "oauth_client_type"):
        with pytest.raises(NoAuthenticationError, match="no valid authentication token"):
            getattr(token, name)


def test_the_repr_shows_the_subject_only():
    """The repr names the subject (or that the token is invalid) and no other claim."""
    assert (
        repr(AuthenticationToken({"sub": "t2_x", "secret": "s3cr3t"}))
        == "AuthenticationToken(subject='t2_x')"
    )
    assert repr(AuthenticationToken(None)) == "AuthenticationToken(<invalid>)"


def test_a_rotation_is_seen_without_a_restart(secrets_path, validator, keys, make_token):
    """When the fetcher rewrites the secrets file, the new key versions are used at once."""
    assert not validator.validate(make_token(key="stranger")).valid

    write_secrets(secrets_path, secrets_document({"current": keys["stranger"].public_pem}))

    assert validator.validate(make_token(key="stranger")).valid
    assert not validator.validate(make_token(key="current")).valid


def test_a_version_that_is_not_a_key_is_skipped_and_logged(
    secrets_path, validator, keys, make_token, caplog
):
    """A corrupt version of the key is logged once, and the other versions still work."""
    write_secrets(
        secrets_path,
        secrets_document({"current": "not a key", "previous": keys["previous"].public_pem}),
    )

    with caplog.at_level(logging.ERROR, logger="baseplate.edgecontext"):
        assert validator.validate(make_token(key="previous")).valid
        assert validator.validate(make_token(key="previous")).valid

    [record] = caplog.records
    assert "Version 0 of secret/authentication/public-key" in record.getMessage()


def test_a_private_key_in_the_secret_verifies_as_its_public_half(
    secrets_path, validator, keys, make_token, caplog
):
    """A private key stored by mistake still checks tokens, with a warning to replace it."""
    write_secrets(secrets_path, secrets_document({"current": keys["current"].private_pem}))

    with caplog.at_level(logging.WARNING, logger="baseplate.edgecontext"):
        assert validator.validate(make_token()).valid

    assert "is a private key" in caplog.text


def test_a_missing_public_key_secret_raises_the_stores_error(tmp_path, make_token):
    """A token cannot be checked without the key: the store's error names the secret."""
    path = tmp_path / "secrets.json"
    write_secrets(path, {"secrets": {}})
    validator = AuthenticationTokenValidator(SecretsStore(path))

    with pytest.raises(SecretNotFoundError, match="secret/authentication/public-key"):
        validator.validate(make_token())


def test_a_token_without_an_expiry_time_is_accepted(validator, keys):
    """A token without an expiry time is accepted (the authentication service sets one)."""
    raw = jwt.encode({"sub": USER_ID}, keys["current"].private_pem, algorithm="RS256")

    assert validator.validate(raw).valid


def test_a_secret_with_no_usable_key_rejects_every_token(secrets_path, validator, make_token):
    """When no version parses as a key, every token is rejected (and the logs say why)."""
    write_secrets(secrets_path, secrets_document({"current": "not a key", "next": "nor this"}))

    assert not validator.validate(make_token()).valid
