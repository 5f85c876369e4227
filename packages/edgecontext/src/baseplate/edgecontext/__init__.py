"""The edge request context: who the client is, passed from service to service.

When a user makes a request, only the service at the edge talks to them. That service
builds an :class:`EdgeRequestContext` from what it learnt (the authentication token, the
LoID and session cookies, the device, the country) and attaches it to the request's
context; from then on Baseplate passes it along with every call the request makes to other
Baseplate services -- as the ``Edge-Request`` THeader header of Thrift calls made through
:class:`~baseplate.context.thrift.ThriftContextFactory` -- so services deep in the backend
can ask who the user is::

    from baseplate.edgecontext import EdgeRequestContextFactory
    from baseplate.secrets import secrets_store_from_config

    secrets = secrets_store_from_config(app_config)
    edge_context_factory = EdgeRequestContextFactory(secrets)

    # at the edge, early in each request
    edge_context_factory.new(
        authentication_token=token, loid_id="t2_abc123", session_id="beefdead"
    ).attach_context(request)

    # in a backend service, read it from incoming requests
    processor = baseplateify_processor(
        processor, logger, baseplate, edge_context_factory=edge_context_factory
    )
    configurator.include(
        BaseplateConfigurator(baseplate, edge_context_factory=edge_context_factory).includeme
    )

    # and in a handler
    user = context.request_context.user
    if user.is_logged_in:
        ...

The authentication token is an RS256 JSON Web Token issued by the authentication service;
it is checked against the public key in the versioned secret
``secret/authentication/public-key`` of the service's secrets store. A missing, malformed,
forged or expired token makes the user logged out (:attr:`User.is_logged_in` is false, and
:attr:`User.id` raises :exc:`NoAuthenticationError`); it never fails the request.
"""

from __future__ import annotations

from ._context import EdgeRequestContext, EdgeRequestContextFactory
from ._identity import Device, Geolocation, OAuthClient, OriginService, Service, Session, User
from ._token import (
    PUBLIC_KEY_PATH,
    AuthenticationToken,
    AuthenticationTokenValidator,
    NoAuthenticationError,
)

__all__ = [
    "PUBLIC_KEY_PATH",
    "AuthenticationToken",
    "AuthenticationTokenValidator",
    "Device",
    "EdgeRequestContext",
    "EdgeRequestContextFactory",
    "Geolocation",
    "NoAuthenticationError",
    "OAuthClient",
    "OriginService",
    "Service",
    "Session",
    "User",
]

for _name in __all__:
    _public = globals()[_name]
    if isinstance(_public, type):
        _public.__module__ = __name__
del _name, _public
