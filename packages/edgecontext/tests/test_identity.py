"""Tests for the user, OAuth client and service wrappers (baseplate.edgecontext._identity)."""

from __future__ import annotations

import pytest

from baseplate.edgecontext import (
    AuthenticationToken,
    NoAuthenticationError,
    OAuthClient,
    Service,
    User,
)

INVALID = AuthenticationToken(None)


def _token(**claims) -> AuthenticationToken:
    return AuthenticationToken(claims)


def test_a_user_account_subject_is_the_user_id():
    """A subject starting with t2_ is the logged-in user's account id."""
    user = User(_token(sub="t2_abc", roles=["admin"]), loid="t2_loid", cookie_created_ms=1)

    assert ("t2_abc", True, frozenset({"admin"})) == (user.id, user.is_logged_in, user.roles)


@pytest.mark.parametrize("subject", ["service/search", "abc", None])
def test_a_subject_that_is_not_an_account_is_no_user(subject):
    """A service's token, or an odd subject, does not log a user in."""
    user = User(_token(sub=subject), loid=None, cookie_created_ms=None)

    assert not user.is_logged_in
    with pytest.raises(NoAuthenticationError, match="not a user account"):
        _ = user.id


def test_has_role_ignores_the_case_of_the_role_asked_for():
    """Roles are issued in lower case; has_role lower-cases its argument."""
    user = User(_token(sub="t2_abc", roles=["admin"]), loid=None, cookie_created_ms=None)

    assert (user.has_role("ADMIN"), user.has_role("beta")) == (True, False)


def test_without_a_valid_token_roles_raise():
    """Roles cannot be read from an invalid token."""
    user = User(INVALID, loid="t2_loid", cookie_created_ms=5)

    with pytest.raises(NoAuthenticationError):
        user.has_role("admin")


def test_a_logged_out_users_events_carry_the_loid():
    """Logged out, the event's user_id is the LoID."""
    assert User(INVALID, loid="t2_loid", cookie_created_ms=5).event_fields() == {
        "user_id": "t2_loid",
        "logged_in": False,
        "cookie_created_timestamp": 5,
    }


def test_a_service_subject_is_the_service_name():
    """A subject service/<name> authenticates the service <name>."""
    assert Service(_token(sub="service/search")).name == "search"


@pytest.mark.parametrize("token", [_token(sub="t2_abc"), INVALID], ids=["user", "invalid"])
def test_no_service_is_authenticated_otherwise(token):
    """A user's token or an invalid one names no service."""
    with pytest.raises(NoAuthenticationError):
        _ = Service(token).name


def test_oauth_client_type_is_compared_in_lower_case():
    """is_type accepts any of the given types, whatever their case."""
    client = OAuthClient(_token(sub="t2_abc", client_id="cid", client_type="third_party"))

    assert (
        client.id,
        client.is_type("first_party", "THIRD_PARTY"),
        client.is_type("first_party"),
    ) == ("cid", True, False)


def test_a_token_without_a_client_type_is_no_type():
    """No client_type claim: is_type is false for every type."""
    assert not OAuthClient(_token(sub="t2_abc")).is_type("first_party")


def test_without_a_valid_token_the_client_has_no_id():
    """The id raises, is_type raises, and events carry no client id."""
    client = OAuthClient(INVALID)

    with pytest.raises(NoAuthenticationError):
        _ = client.id
    with pytest.raises(NoAuthenticationError):
        client.is_type("first_party")
    assert client.event_fields() == {"oauth_client_id": None}
