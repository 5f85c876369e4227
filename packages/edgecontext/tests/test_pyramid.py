"""The edge context through the Pyramid integration, in process (WebTest)."""

from __future__ import annotations

import base64

import pytest
import webtest
from conftest import USER_ID
from pyramid.config import Configurator

from baseplate.core import Baseplate
from baseplate.integration.pyramid import BaseplateConfigurator, StaticTrustHandler


@pytest.fixture
def make_app(factory):
    """``make_app(trusted)``: an app whose /user view reports the request's user."""

    def make(trusted: bool) -> webtest.TestApp:
        configurator = Configurator()
        configurator.include(
            BaseplateConfigurator(
                Baseplate(),
                edge_context_factory=factory,
                header_trust_handler=StaticTrustHandler(trust_headers=trusted),
            ).includeme
        )

        def user(request):
            edge = request.request_context
            return {
                "logged_in": edge.user.is_logged_in,
                "user_id": edge.user.id if edge.user.is_logged_in else None,
                "loid": edge.user.loid,
                "forwarded": request.raw_request_context == edge.header,
            }

        configurator.add_route("user", "/user")
        configurator.add_view(user, route_name="user", renderer="json")
        return webtest.TestApp(configurator.make_wsgi_app())

    return make


@pytest.mark.parametrize("encoding", ["base64", "raw"])
def test_a_trusted_header_gives_the_user(make_app, factory, make_token, encoding):
    """Current clients' base64 header and older clients' raw bytes both give the user, and
    the header is kept to be passed on."""
    header = factory.new(authentication_token=make_token(), loid_id="t2_loid").header
    value = base64.b64encode(header).decode() if encoding == "base64" else header.decode("latin-1")

    response = make_app(trusted=True).get("/user", headers={"X-Edge-Request": value})

    assert (response.json) == {
        "logged_in": True,
        "user_id": USER_ID,
        "loid": "t2_loid",
        "forwarded": True,
    }


def test_an_untrusted_header_is_ignored(make_app, factory, make_token):
    """From an untrusted caller the header is not read: the user is logged out."""
    header = factory.new(authentication_token=make_token(), loid_id="t2_loid").header

    response = make_app(trusted=False).get(
        "/user", headers={"X-Edge-Request": base64.b64encode(header).decode()}
    )

    assert (response.json) == {"logged_in": False, "user_id": None, "loid": None, "forwarded": True}


@pytest.mark.parametrize("headers", [{}, {"X-Edge-Request": "bm90IGEgaGVhZGVy"}])
def test_no_usable_header_is_a_logged_out_user(make_app, headers):
    """No header, or one that is not an edge context, still gives the handler a context."""
    response = make_app(trusted=True).get("/user", headers=headers)

    assert (response.json["logged_in"], response.json["user_id"]) == (False, None)
