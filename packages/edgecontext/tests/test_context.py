"""Tests for the edge request context and its header (baseplate.edgecontext._context)."""

from __future__ import annotations

import logging

import pytest
from conftest import USER_ID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from thrift import TSerialization
from thrift.protocol.TBinaryProtocol import TBinaryProtocolFactory

import baseplate.core
import baseplate.edgecontext
from baseplate.core import RequestContext
from baseplate.edgecontext import (
    Device,
    EdgeRequestContext,
    Geolocation,
    NoAuthenticationError,
    OriginService,
    Session,
)
from baseplate.edgecontext.thrift import ttypes

# The binary protocol, written out from its rules: a field is its type byte and big-endian
# i16 id, then its value; a string is a big-endian i32 length and the bytes; an i64 is eight
# big-endian bytes; a struct is its fields and a 0 byte.
I64, STRING, STRUCT = 0x0A, 0x0B, 0x0C


def field(kind: int, number: int, value: bytes) -> bytes:
    return bytes([kind]) + number.to_bytes(2, "big") + value


def string(text: str) -> bytes:
    data = text.encode("utf-8")
    return len(data).to_bytes(4, "big") + data


def i64(number: int) -> bytes:
    return number.to_bytes(8, "big", signed=True)


def struct(*fields: bytes) -> bytes:
    return b"".join(fields) + b"\x00"


def optional_string(number: int, text: str | None) -> bytes:
    return b"" if text is None else field(STRING, number, string(text))


def expected_header(
    authentication_token: str | None = None,
    loid_id: str | None = None,
    loid_created_ms: int | None = None,
    session_id: str | None = None,
    device_id: str | None = None,
    origin_service_name: str | None = None,
    country_code: str | None = None,
    request_id: str | None = None,
) -> bytes:
    """The header of ``factory.new(...)`` with these arguments, from the protocol's rules:
    every sub-struct is written, empty when its fields are unset."""
    loid = optional_string(1, loid_id)
    if loid_created_ms is not None:
        loid += field(I64, 2, i64(loid_created_ms))
    return struct(
        field(STRUCT, 1, struct(loid)),
        field(STRUCT, 2, struct(optional_string(1, session_id))),
        optional_string(3, authentication_token),
        field(STRUCT, 4, struct(optional_string(1, device_id))),
        field(STRUCT, 5, struct(optional_string(1, origin_service_name))),
        field(STRUCT, 6, struct(optional_string(1, country_code))),
        field(STRUCT, 7, struct(optional_string(1, request_id))),
    )


def thrift_serialized(**fields) -> bytes:
    """The same ``Request``, serialized by Thrift's pure-Python binary protocol."""
    request = ttypes.Request(
        loid=ttypes.Loid(id=fields.get("loid_id"), created_ms=fields.get("loid_created_ms")),
        session=ttypes.Session(id=fields.get("session_id")),
        authentication_token=fields.get("authentication_token"),
        device=ttypes.Device(id=fields.get("device_id")),
        origin_service=ttypes.OriginService(name=fields.get("origin_service_name")),
        geolocation=ttypes.Geolocation(country_code=fields.get("country_code")),
        request_id=ttypes.RequestId(readable_id=fields.get("request_id")),
    )
    return TSerialization.serialize(request, TBinaryProtocolFactory())


#: A header as a service on the original framework writes it, for a LoID and a session.
LOID_AND_SESSION = (
    b"\x0c\x00\x01\x0b\x00\x01\x00\x00\x00\x0bt2_deadbeef\n\x00\x02\x00\x00\x00\x00\x00\x01"
    b"\x86\xa0\x00\x0c\x00\x02\x0b\x00\x01\x00\x00\x00\x08beefdead\x00\x0c\x00\x04\x00\x0c"
    b"\x00\x05\x00\x0c\x00\x06\x00\x0c\x00\x07\x00\x00"
)


def test_the_header_matches_the_reference_bytes(factory):
    """A LoID and a session give exactly the bytes the original framework writes, empty
    sub-structs included."""
    context = factory.new(loid_id="t2_deadbeef", loid_created_ms=100000, session_id="beefdead")

    assert context.header == LOID_AND_SESSION
    assert (
        expected_header(loid_id="t2_deadbeef", loid_created_ms=100000, session_id="beefdead")
        == LOID_AND_SESSION
    )


def test_an_empty_context_still_writes_every_sub_struct(factory):
    """With no values at all, the header holds six empty structs (no token field)."""
    header = factory.new().header

    assert header == (
        b"\x0c\x00\x01\x00\x0c\x00\x02\x00\x0c\x00\x04\x00\x0c\x00\x05\x00\x0c\x00\x06\x00"
        b"\x0c\x00\x07\x00\x00"
    )
    assert thrift_serialized() == header


def test_every_field_is_written_byte_for_byte(factory, make_token):
    """Every field of the header, checked against the protocol's rules and Thrift's own
    serialization."""
    fields = {
        "authentication_token": make_token(),
        "loid_id": "t2_deadbeef",
        "loid_created_ms": 1_500_000_000_000,
        "session_id": "beefdead",
        "device_id": "becc50f6-ff3d-407a-aa49-fa49531363be",
        "origin_service_name": "baseplate",
        "country_code": "OK",
        "request_id": "a-readable-id",
    }

    header = factory.new(**fields).header

    assert expected_header(**fields) == header
    assert thrift_serialized(**fields) == header


_text = st.none() | st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
_fields = st.fixed_dictionaries(
    {
        "authentication_token": _text,
        "loid_id": st.none() | _text.map(lambda text: f"t2_{text or ''}"),
        "loid_created_ms": st.none() | st.integers(-(2**63), 2**63 - 1),
        "session_id": _text,
        "device_id": _text,
        "origin_service_name": _text,
        "country_code": st.none() | st.from_regex(r"\A[A-Z]{2}\Z"),
        "request_id": _text,
    }
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=_fields)
def test_any_context_is_written_by_the_rules_and_read_back(factory, fields):
    """Whatever the values, the header follows the protocol's rules, Thrift reads it the
    same, and a downstream service reads every value back."""
    header = factory.new(**fields).header

    assert expected_header(**fields) == header
    assert thrift_serialized(**fields) == header
    upstream = factory.from_upstream(header)
    assert (
        fields["loid_id"],
        fields["loid_created_ms"],
        fields["session_id"],
        fields["device_id"],
        fields["origin_service_name"],
        fields["country_code"],
        fields["request_id"],
    ) == (
        upstream.user.loid,
        upstream.user.cookie_created_ms,
        upstream.session.id,
        upstream.device.id,
        upstream.origin_service.name,
        upstream.geolocation.country_code,
        upstream.request_id,
    )


def _read_everything(context: EdgeRequestContext) -> None:
    for name in ("session", "device", "origin_service", "geolocation", "request_id"):
        getattr(context, name)
    assert not context.user.is_logged_in
    context.event_fields()
    with pytest.raises(NoAuthenticationError):
        _ = context.user.id
    with pytest.raises(NoAuthenticationError):
        _ = context.service.name


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.binary(max_size=200) | st.sampled_from([LOID_AND_SESSION[:n] for n in range(60)]))
def test_no_header_fails_the_request(factory, header):
    """Random bytes and truncated headers read as (partial or empty) contexts; no accessor
    raises anything but NoAuthenticationError for the identity."""
    _read_everything(factory.from_upstream(header))


def test_a_truncated_header_reads_as_an_empty_context(factory, caplog):
    """A header that breaks off is not half used: the whole context is empty, and the
    problem is logged at debug level."""
    with caplog.at_level(logging.DEBUG, logger="baseplate.edgecontext"):
        context = factory.from_upstream(LOID_AND_SESSION[:-10])

        assert (context.user.loid, context.session.id) == (None, None)

    assert "Ignoring a malformed edge request context header (59 bytes)" in caplog.text


def test_the_header_is_parsed_only_when_read(factory, caplog):
    """from_upstream does no work until a field is read."""
    with caplog.at_level(logging.DEBUG, logger="baseplate.edgecontext"):
        context = factory.from_upstream(b"\xff garbage")
        assert caplog.text == ""

        _ = context.session

    assert "malformed" in caplog.text


@pytest.mark.parametrize("header", [None, b""])
def test_no_header_is_an_empty_context(factory, header):
    """A request without the header has an empty context, and passes nothing on."""
    context = factory.from_upstream(header)

    assert (Session(None), Device(None), OriginService(None), Geolocation(None), None) == (
        context.session,
        context.device,
        context.origin_service,
        context.geolocation,
        context.request_id,
    )
    assert header == context.header


def test_a_context_from_upstream_reads_every_field(factory, make_token):
    """Each accessor returns its part of the header."""
    header = factory.new(
        authentication_token=make_token(roles=["admin"], client_id="cid", client_type="first"),
        loid_id="t2_loid",
        loid_created_ms=123,
        session_id="s",
        device_id="d",
        origin_service_name="edge",
        country_code="US",
        request_id="r",
    ).header

    context = factory.from_upstream(header)

    assert (USER_ID, True, frozenset({"admin"}), "t2_loid", 123) == (
        context.user.id,
        context.user.is_logged_in,
        context.user.roles,
        context.user.loid,
        context.user.cookie_created_ms,
    )
    assert (context.oauth_client.id, context.oauth_client.is_type("FIRST")) == ("cid", True)
    assert (Session("s"), Device("d"), OriginService("edge"), Geolocation("US"), "r") == (
        context.session,
        context.device,
        context.origin_service,
        context.geolocation,
        context.request_id,
    )
    assert context.authentication_token.valid


def test_event_fields_cover_the_session_user_and_client(factory, make_token):
    """event_fields() merges the session id, the user's and the OAuth client's fields."""
    context = factory.new(
        authentication_token=make_token(client_id="cid"),
        loid_id="t2_loid",
        loid_created_ms=123,
        session_id="s",
    )

    assert context.event_fields() == {
        "session_id": "s",
        "user_id": USER_ID,
        "logged_in": True,
        "cookie_created_timestamp": 123,
        "oauth_client_id": "cid",
    }


def test_an_expired_token_makes_a_logged_out_user(factory, make_token):
    """An expired token in the header reads as logged out; the LoID identifies the user in
    events."""
    context = factory.from_upstream(
        factory.new(authentication_token=make_token(expires_in=-1), loid_id="t2_loid").header
    )

    assert not context.user.is_logged_in
    assert context.event_fields() == {
        "session_id": None,
        "user_id": "t2_loid",
        "logged_in": False,
        "cookie_created_timestamp": None,
        "oauth_client_id": None,
    }


def test_attach_context_puts_the_context_and_its_header_on_the_request(factory):
    """attach_context sets request_context and raw_request_context (what clients forward)."""
    context = factory.new(session_id="s")
    request = RequestContext()

    context.attach_context(request)

    assert context is request.request_context
    assert context.header == request.raw_request_context


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"loid_id": "abc"}, r"loid_id must be in fullname format, starting with 't2_'.*'abc'"),
        ({"country_code": "us"}, r"two capital letters such as 'US', got 'us'"),
        ({"country_code": "USA"}, r"got 'USA'"),
        ({"country_code": "US\n"}, r"got 'US\\n'"),
        ({"authentication_token": b"\xff"}, "authentication_token must be UTF-8"),
    ],
)
def test_new_rejects_malformed_values(factory, arguments, message):
    """Values that downstream services could not use are refused, naming the value."""
    with pytest.raises(ValueError, match=message):
        factory.new(**arguments)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"loid_created_ms": "123"}, r"loid_created_ms must be an int or None, got '123'"),
        ({"loid_created_ms": True}, r"loid_created_ms must be an int or None, got True"),
        ({"session_id": 5}, r"session_id must be a str or None, got 5"),
        ({"loid_id": 5}, r"loid_id must be a str or None, got 5"),
    ],
)
def test_new_rejects_values_of_the_wrong_type(factory, arguments, message):
    """A value of the wrong type is refused before anything is serialized."""
    with pytest.raises(TypeError, match=message):
        factory.new(**arguments)


def test_the_core_module_resolves_the_moved_names():
    """The names the original framework had in baseplate.core are this package's."""
    for name in baseplate.edgecontext.__all__:
        if name != "PUBLIC_KEY_PATH":
            assert getattr(baseplate.edgecontext, name) is getattr(baseplate.core, name)
