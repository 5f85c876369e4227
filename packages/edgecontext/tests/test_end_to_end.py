"""End to end: the edge context travels two hops between real ``baseplate-serve`` processes.

Three services run (``edge_services``): a Thrift back end, and two front ends calling it
through a ``ThriftContextFactory`` client, one Thrift and one Pyramid. The test plays the
client of a front end; the back end reports the edge context it received.
"""

from __future__ import annotations

import base64
import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from baseplate_testing import Processes
from conftest import TESTS, USER_ID, secrets_document, write_secrets
from edge_services import as_json
from edgecontext_testgen import EdgeContextTestService
from edgecontext_testgen.ttypes import EdgeView
from thrift.protocol.THeaderProtocol import THeaderProtocolFactory
from thrift.transport.TSocket import TSocket

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Services:
    back: int
    thrift_front: int
    http_front: int


def _config(directory: Path, name: str, factory: str, server: str, **app: str) -> Path:
    path = directory / f"{name}.ini"
    lines = ["[app:main]", f"factory = edge_services:{factory}"]
    lines += [f"{key.replace('_', '.', 1)} = {value}" for key, value in app.items()]
    lines += ["", "[server:main]", f"factory = baseplate.server.{server}", "stop_timeout = 1"]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def services(tmp_path_factory, keys) -> Iterator[Services]:
    """The back end and both front ends, sharing a secrets file with the current key."""
    directory = tmp_path_factory.mktemp("edge-services")
    secrets = directory / "secrets.json"
    write_secrets(secrets, secrets_document({"current": keys["current"].public_pem}))
    started = Processes()
    try:
        _, back = started.serve(
            _config(directory, "back", "make_processor", "thrift", secrets_path=str(secrets)),
            cwd=TESTS,
        )
        downstream = f"127.0.0.1:{back}"
        _, thrift_front = started.serve(
            _config(
                directory,
                "thrift-front",
                "make_processor",
                "thrift",
                secrets_path=str(secrets),
                downstream_endpoint=downstream,
            ),
            cwd=TESTS,
        )
        _, http_front = started.serve(
            _config(
                directory,
                "http-front",
                "make_app",
                "wsgi",
                secrets_path=str(secrets),
                downstream_endpoint=downstream,
            ),
            cwd=TESTS,
        )
        yield Services(back, thrift_front, http_front)
    finally:
        started.close()


def http_get(port: int, path: str, headers: dict[str, str]) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200, body
        return json.loads(body)
    finally:
        connection.close()


def thrift_call(port: int, method: str, edge_header: bytes | None) -> EdgeView:
    sock = TSocket("127.0.0.1", port)
    sock.setTimeout(15_000)
    protocol = THeaderProtocolFactory().getProtocol(sock)
    sock.open()
    try:
        if edge_header is not None:
            protocol.set_header(b"Edge-Request", edge_header)
        return getattr(EdgeContextTestService.Client(protocol), method)()
    finally:
        sock.close()


def _expected(**changes) -> dict:
    view = {
        "user_id": USER_ID,
        "logged_in": True,
        "loid": "t2_loid",
        "session_id": "session",
        "device_id": "device",
        "origin_service": "origin",
        "country_code": "US",
        "request_id": "request",
        "oauth_client_id": "client",
        "roles": ["admin"],
    }
    view.update(changes)
    return view


@pytest.fixture
def edge_header(factory, make_token):
    """``edge_header(**token_arguments)``: a header as an edge service makes it."""

    def make(**token_arguments) -> bytes:
        token_arguments.setdefault("roles", ["admin"])
        token_arguments.setdefault("client_id", "client")
        return factory.new(
            authentication_token=make_token(**token_arguments),
            loid_id="t2_loid",
            session_id="session",
            device_id="device",
            origin_service_name="origin",
            country_code="US",
            request_id="request",
        ).header

    return make


def test_a_user_id_travels_from_an_http_front_to_the_thrift_back_end(services, edge_header):
    """The Pyramid front end reads X-Edge-Request and its Thrift client passes it on: the
    back end sees the same user, and everything else the edge knew."""
    headers = {"X-Edge-Request": base64.b64encode(edge_header()).decode()}

    front = http_get(services.http_front, "/describe", headers)
    back = http_get(services.http_front, "/relay", headers)

    assert _expected() == front
    assert _expected() == back


def test_a_user_id_travels_from_a_thrift_front_to_the_thrift_back_end(services, edge_header):
    """The Thrift front end reads Edge-Request and its client forwards it to the back end."""
    header = edge_header()

    assert _expected() == as_json(thrift_call(services.thrift_front, "describe", header))
    assert _expected() == as_json(thrift_call(services.thrift_front, "relay", header))


def test_an_edge_service_makes_the_context_and_it_reaches_the_back_end(services, make_token):
    """The Pyramid front end acting as the edge: new() from the client's token, attached to
    the request, arrives at the back end."""
    back = http_get(
        services.http_front,
        "/edge",
        {"Authorization": f"Bearer {make_token(roles=['beta'])}", "X-Loid": "t2_edge"},
    )

    assert (
        _expected(
            loid="t2_edge",
            session_id=None,
            device_id=None,
            origin_service="edge-test",
            country_code=None,
            request_id=None,
            oauth_client_id=None,
            roles=["beta"],
        )
        == back
    )


@pytest.mark.parametrize(
    "token_arguments",
    [{"key": "stranger"}, {"expires_in": -60}, {"key": "previous"}],
    ids=["forged", "expired", "retired-key"],
)
def test_a_bad_token_is_a_logged_out_user_at_every_hop(services, edge_header, token_arguments):
    """A forged or expired token, or one signed with a key the secret no longer holds, is
    no error anywhere: both hops see a logged-out user, with the rest of the context."""
    header = edge_header(**token_arguments)
    logged_out = _expected(user_id=None, logged_in=False, oauth_client_id=None, roles=[])

    assert logged_out == as_json(thrift_call(services.thrift_front, "relay", header))
    assert logged_out == http_get(
        services.http_front, "/relay", {"X-Edge-Request": base64.b64encode(header).decode()}
    )


@pytest.mark.parametrize("header", [None, b"\x0c\x00\x01garbage"], ids=["absent", "malformed"])
def test_no_usable_header_is_an_empty_context_downstream(services, header):
    """Without a header, or with one that does not parse, the back end sees an empty
    context and the calls succeed."""
    empty = dict.fromkeys(_expected()) | {"logged_in": False, "roles": []}

    assert empty == as_json(thrift_call(services.thrift_front, "relay", header))
