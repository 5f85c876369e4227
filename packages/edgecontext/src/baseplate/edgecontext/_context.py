"""The edge request context, its header, and the factory that makes and reads it."""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from thrift import TSerialization
from thrift.protocol.TBinaryProtocol import TBinaryProtocolAcceleratedFactory

from baseplate.secrets import SecretsStore

from ._identity import Device, Geolocation, OAuthClient, OriginService, Service, Session, User
from ._token import AuthenticationToken, AuthenticationTokenValidator
from .thrift import ttypes as _generated

logger = logging.getLogger("baseplate.edgecontext")

# The standard binary protocol (the C encoder when Thrift has it, the same bytes either way).
_PROTOCOL = TBinaryProtocolAcceleratedFactory()
_COUNTRY_CODE = re.compile(r"[A-Z]{2}")
_LOID_PREFIX = "t2_"
# The generated structs (Request and its parts) are untyped.
ttypes: Any = _generated


def serialize_request(request: Any) -> bytes:
    """Return the header bytes of ``request``: its Thrift binary-protocol serialization."""
    return bytes(TSerialization.serialize(request, _PROTOCOL))


def parse_header(header: bytes | None) -> Any:
    """Return the ``Request`` in ``header``; an empty one if there is none or it is malformed.

    A malformed header is logged at debug level (its length, never its content: it holds a
    credential).
    """
    if not header:
        return ttypes.Request()
    try:
        return TSerialization.deserialize(ttypes.Request(), header, _PROTOCOL)
    except Exception as exc:  # any decoding failure: the header is untrusted input
        logger.debug(
            "Ignoring a malformed edge request context header (%d bytes): %r", len(header), exc
        )
        return ttypes.Request()


class EdgeRequestContext:
    """Contextual information about the initial request to an edge service.

    Construct this using an :class:`EdgeRequestContextFactory`. The header is parsed when a
    field is first read, and each accessor's result is kept for the rest of the request; a
    malformed header reads as an empty one.

    Args:
        authn_token_validator: Checks the authentication token in the header.
        header: The serialized context (the ``Edge-Request`` header's payload), or ``None``.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self, authn_token_validator: AuthenticationTokenValidator, header: bytes | None
    ) -> None:
        self._authn_token_validator = authn_token_validator
        self._header = header

    @functools.cached_property
    def _request(self) -> Any:
        return parse_header(self._header)

    @property
    def header(self) -> bytes | None:
        """The serialized context, as it is passed on to downstream services."""
        return self._header

    def attach_context(self, context: Any) -> None:
        """Attach this to the provided context object.

        Sets ``context.request_context`` to this object and ``context.raw_request_context``
        to :attr:`header`. The instrumented Thrift clients
        (:class:`~baseplate.context.thrift.ThriftContextFactory`) pass the latter on to the
        services they call.

        Args:
            context: The request's context object (a
                :class:`~baseplate.core.RequestContext`, or the Pyramid request).
        """
        context.request_context = self
        context.raw_request_context = self._header

    def event_fields(self) -> dict[str, Any]:
        """Return fields to be added to events: ``session_id`` and the fields of
        :meth:`User.event_fields` and :meth:`OAuthClient.event_fields`."""
        return {
            "session_id": self.session.id,
            **self.user.event_fields(),
            **self.oauth_client.event_fields(),
        }

    @functools.cached_property
    def authentication_token(self) -> AuthenticationToken:
        """The validated authentication token (an invalid one when missing or rejected).

        Raises:
            baseplate.secrets.SecretsError: if the request has a token and the public key
                to check it cannot be read from the secrets store.
        """
        return self._authn_token_validator.validate(self._request.authentication_token)

    @functools.cached_property
    def user(self) -> User:
        """:class:`User` object for the current context."""
        loid = self._request.loid
        return User(
            authentication_token=self.authentication_token,
            loid=loid.id if loid else None,
            cookie_created_ms=loid.created_ms if loid else None,
        )

    @functools.cached_property
    def oauth_client(self) -> OAuthClient:
        """:class:`OAuthClient` object for the current context."""
        return OAuthClient(self.authentication_token)

    @functools.cached_property
    def service(self) -> Service:
        """:class:`Service` object for the current context."""
        return Service(self.authentication_token)

    @functools.cached_property
    def session(self) -> Session:
        """:class:`Session` object for the current context."""
        session = self._request.session
        return Session(id=session.id if session else None)

    @functools.cached_property
    def device(self) -> Device:
        """:class:`Device` object for the current context."""
        device = self._request.device
        return Device(id=device.id if device else None)

    @functools.cached_property
    def origin_service(self) -> OriginService:
        """:class:`OriginService` object for the current context."""
        origin = self._request.origin_service
        return OriginService(name=origin.name if origin else None)

    @functools.cached_property
    def geolocation(self) -> Geolocation:
        """:class:`Geolocation` object for the current context."""
        geolocation = self._request.geolocation
        return Geolocation(country_code=geolocation.country_code if geolocation else None)

    @functools.cached_property
    def request_id(self) -> str | None:
        """The request's readable id, or ``None``."""
        request_id = self._request.request_id
        return request_id.readable_id if request_id else None


class EdgeRequestContextFactory:
    """Factory for creating :class:`EdgeRequestContext` objects.

    Every application should set one of these up. Edge services that talk directly with
    clients should use :meth:`new` directly. For internal services, pass the object off to
    Baseplate's framework integration (Thrift/Pyramid) for automatic use.

    Args:
        secrets: A configured secrets store; it holds the authentication service's public
            key, ``secret/authentication/public-key``, which is read only to check a token.

    .. versionadded:: 0.1.0
    """

    def __init__(self, secrets: SecretsStore) -> None:
        self.authn_token_validator = AuthenticationTokenValidator(secrets)

    def new(
        self,
        authentication_token: str | bytes | None = None,
        loid_id: str | None = None,
        loid_created_ms: int | None = None,
        session_id: str | None = None,
        device_id: str | None = None,
        origin_service_name: str | None = None,
        country_code: str | None = None,
        request_id: str | None = None,
    ) -> EdgeRequestContext:
        """Return a new EdgeRequestContext object made from scratch.

        Services at the edge that communicate directly with clients should use this to
        pass on the information they get to downstream services. They can then use this
        information to check authentication, run experiments, etc.

        To use this, create and attach the context early in your request flow::

            edge_context = self.edgecontext_factory.new(
                authentication_token=token,
                loid_id=loid.id,
                loid_created_ms=loid.created,
                session_id=session.id,
            )
            edge_context.attach_context(request)

        The header is computed here, once. Every part of it is written, an unset field as
        an empty structure, as services on the original framework do.

        Args:
            authentication_token: A raw authentication token as returned by the
                authentication service.
            loid_id: ID for the current LoID in fullname format (``t2_...``).
            loid_created_ms: Epoch milliseconds when the current LoID cookie was created.
            session_id: ID for the current session cookie.
            device_id: ID for the device the request came from.
            origin_service_name: Name of the edge service handling the client's request.
            country_code: The ISO 3166-1 alpha-2 code (two capital letters, e.g. ``"US"``)
                of the country the request came from.
            request_id: A readable id for the request.

        Raises:
            ValueError: if ``loid_id`` does not start with ``t2_``, ``country_code`` is not
                two capital letters, or ``authentication_token`` (bytes) is not UTF-8.
            TypeError: if an argument is not of the type shown.

        .. versionadded:: 0.1.0
        """
        if isinstance(authentication_token, bytes):
            try:
                authentication_token = authentication_token.decode("utf-8")
            except UnicodeDecodeError:
                raise ValueError("authentication_token must be UTF-8 (a JWT is ASCII)") from None
        for name, value in (
            ("authentication_token", authentication_token),
            ("loid_id", loid_id),
            ("session_id", session_id),
            ("device_id", device_id),
            ("origin_service_name", origin_service_name),
            ("country_code", country_code),
            ("request_id", request_id),
        ):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name} must be a str or None, got {value!r}")
        if loid_created_ms is not None and (
            not isinstance(loid_created_ms, int) or isinstance(loid_created_ms, bool)
        ):
            raise TypeError(f"loid_created_ms must be an int or None, got {loid_created_ms!r}")
        if loid_id is not None and not loid_id.startswith(_LOID_PREFIX):
            raise ValueError(
                f"loid_id must be in fullname format, starting with {_LOID_PREFIX!r} "
                f"(as in 't2_abc123'), got {loid_id!r}"
            )
        if country_code is not None and not _COUNTRY_CODE.fullmatch(country_code):
            raise ValueError(
                "country_code must be an ISO 3166-1 alpha-2 code, two capital letters such "
                f"as 'US', got {country_code!r}"
            )
        request = ttypes.Request(
            loid=ttypes.Loid(id=loid_id, created_ms=loid_created_ms),
            session=ttypes.Session(id=session_id),
            authentication_token=authentication_token,
            device=ttypes.Device(id=device_id),
            origin_service=ttypes.OriginService(name=origin_service_name),
            geolocation=ttypes.Geolocation(country_code=country_code),
            request_id=ttypes.RequestId(readable_id=request_id),
        )
        context = EdgeRequestContext(self.authn_token_validator, serialize_request(request))
        context._request = request  # already parsed: fill the cache
        return context

    def from_upstream(self, edge_header: bytes | None) -> EdgeRequestContext:
        """Create and return an EdgeRequestContext from an upstream header.

        This is generally used internally to Baseplate by framework integrations that
        automatically pick up context from inbound requests. The header is parsed when the
        context is first read; a missing or malformed one reads as an empty context (no
        user, no session), and never raises.

        Args:
            edge_header: Raw payload of the ``Edge-Request`` header from the upstream
                service, or ``None`` if the request had none.

        .. versionadded:: 0.1.0
        """
        return EdgeRequestContext(self.authn_token_validator, edge_header)
