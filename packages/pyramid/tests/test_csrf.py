"""Tests for TokenCSRFStoragePolicy (baseplate.integration.pyramid.csrf), through Pyramid's
own CSRF checks on a real application."""

from __future__ import annotations

import base64
import datetime
import json
import time
from types import SimpleNamespace

import pytest
import webtest
from pyramid.config import Configurator
from pyramid.csrf import get_csrf_token

from baseplate.crypto import make_signature, validate_signature
from baseplate.integration.pyramid.csrf import TokenCSRFStoragePolicy
from baseplate.secrets import SecretsStore, VersionedSecret

SECRET_PATH = "secret/test/csrf"
USER = "t2_user"


def _request(user: str | None) -> SimpleNamespace:
    """What the policy reads of a request: its authenticated user id."""
    return SimpleNamespace(authenticated_userid=user)


class HeaderIdentity:
    """A security policy: the authenticated user is the X-User header."""

    def identity(self, request):
        return request.headers.get("X-User")

    def authenticated_userid(self, request):
        return request.headers.get("X-User")

    def permits(self, request, context, permission):
        return True


@pytest.fixture
def write_secret(tmp_path):
    """``write_secret(current, previous=None)``: (re)write the signing key's versions."""
    path = tmp_path / "secrets.json"

    def write(current: bytes, previous: bytes | None = None) -> SecretsStore:
        secret = {"type": "versioned", "current": current.decode()}
        if previous is not None:
            secret["previous"] = previous.decode()
        path.write_text(json.dumps({"secrets": {SECRET_PATH: secret}}))
        return SecretsStore(path)

    return write


@pytest.fixture
def policy(write_secret):
    return TokenCSRFStoragePolicy(write_secret(b"current-key"), SECRET_PATH)


@pytest.fixture
def app(policy):
    configurator = Configurator()
    configurator.set_security_policy(HeaderIdentity())
    configurator.set_csrf_storage_policy(policy)
    configurator.set_default_csrf_options(require_csrf=True)
    configurator.add_route("token", "/token")
    configurator.add_view(
        lambda request: {"token": get_csrf_token(request)},
        route_name="token",
        renderer="json",
        request_method="GET",
    )
    configurator.add_route("act", "/act")
    configurator.add_view(
        lambda request: {"done": True}, route_name="act", renderer="json", request_method="POST"
    )
    return webtest.TestApp(configurator.make_wsgi_app())


def _token(app, user: str = USER) -> str:
    return app.get("/token", headers={"X-User": user}).json["token"]


def _post(app, token: str | None, user: str | None = USER, status: int = 200):
    headers = {"X-User": user} if user is not None else {}
    params = {"csrf_token": token} if token is not None else {}
    return app.post("/act", params, headers=headers, status=status)


def test_a_token_lets_its_user_post(app):
    """A token from get_csrf_token() passes Pyramid's check for the same user."""
    assert _post(app, _token(app)).json == {"done": True}


def test_the_token_is_the_original_format(app):
    """``1.`` and the signature, by the current secret, of ``1.<user id>``, expiring in an
    hour."""
    before = time.time()
    token = _token(app)

    version, _, signature = token.partition(".")
    info = validate_signature(
        VersionedSecret.from_simple_secret(b"current-key"), f"1.{USER}", signature
    )
    assert version == "1"
    assert len(signature) == 52
    assert int(before) + 3600 <= info.expiration <= int(time.time()) + 3600


def test_a_token_made_by_the_original_framework_is_accepted(app):
    """A token built from the format alone (as another service would) is accepted."""
    signature = make_signature(
        VersionedSecret.from_simple_secret(b"current-key"),
        f"1.{USER}",
        datetime.timedelta(minutes=5),
    )

    _post(app, "1." + signature.decode())


def test_tokens_are_not_stored(write_secret, policy):
    """Nothing is kept between requests: another policy over the same secret (another
    process) accepts the token."""
    request = _request(USER)
    other = TokenCSRFStoragePolicy(write_secret(b"current-key"), SECRET_PATH)

    assert other.check_csrf_token(request, policy.get_csrf_token(request))


def test_a_token_is_bound_to_its_user(app):
    """Another user's token is rejected (Pyramid answers 400)."""
    _post(app, _token(app, user="t2_someone_else"), status=400)


@pytest.mark.parametrize(
    "token",
    [None, "", "garbage", "1.", "1.garbage", "2.x", "1." + "A" * 52, "1.\u00e9"],
    ids=[
        "missing",
        "empty",
        "no-version",
        "no-signature",
        "bad-signature",
        "version-2",
        "forged",
        "not-ascii",
    ],
)
def test_malformed_or_missing_tokens_are_rejected(app, token):
    """Anything but a valid token is a failed check, never a server error."""
    _post(app, token, status=400)


def test_a_different_version_prefix_is_rejected(app):
    """The token's version is part of what is signed: changing it breaks the token."""
    _, _, signature = _token(app).partition(".")

    _post(app, "2." + signature, status=400)


def test_an_expired_token_is_rejected(policy):
    """Past max_age the token no longer passes."""
    signature = make_signature(
        VersionedSecret.from_simple_secret(b"current-key"),
        f"1.{USER}",
        datetime.timedelta(hours=1),
        now=time.time() - 3601,
    )

    assert not policy.check_csrf_token(_request(USER), "1." + signature.decode())


def test_tokens_survive_a_rotation_of_the_secret(write_secret, policy):
    """A token made before the key rotated passes while the old key is the previous version,
    and fails once it is gone."""
    request = _request(USER)
    token = policy.new_csrf_token(request)

    write_secret(b"new-key", previous=b"current-key")
    assert policy.check_csrf_token(request, token)
    assert policy.check_csrf_token(request, policy.new_csrf_token(request))

    write_secret(b"newer-key", previous=b"new-key")
    assert not policy.check_csrf_token(request, token)


def test_a_request_without_a_user_has_no_valid_token(app, policy):
    """Tokens need an authenticated user: none can be made, and none passes."""
    _post(app, _token(app), user=None, status=400)
    with pytest.raises(ValueError, match=r"request\.authenticated_userid is None"):
        policy.get_csrf_token(_request(None))


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"max_age": 3600}, TypeError, "max_age must be a datetime.timedelta, got 3600"),
        ({"max_age": datetime.timedelta(0)}, ValueError, "max_age must be positive"),
        ({"secret_path": ""}, ValueError, "secret_path must be a non-empty str, got ''"),
        ({"param": ""}, ValueError, "param must be a non-empty str, got ''"),
    ],
)
def test_bad_arguments_are_refused(write_secret, arguments, error, message):
    """The constructor names the argument and the value it refuses."""
    arguments = {"secret_path": SECRET_PATH, **arguments}
    with pytest.raises(error, match=message):
        TokenCSRFStoragePolicy(write_secret(b"key"), **arguments)


def test_param_is_kept_for_templates(write_secret):
    """The form field's name is available as policy.param."""
    assert TokenCSRFStoragePolicy(write_secret(b"k"), SECRET_PATH, param="token").param == "token"


def test_the_signature_is_urlsafe_base64(app):
    """Tokens fit in a form field or a header unescaped."""
    _, _, signature = _token(app).partition(".")

    assert len(base64.urlsafe_b64decode(signature)) == 39
