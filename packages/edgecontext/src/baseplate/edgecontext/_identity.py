"""Who made the request: the user, the OAuth client and the calling service, and the cookies."""

from __future__ import annotations

from typing import Any, NamedTuple

from ._token import AuthenticationToken, NoAuthenticationError

_ACCOUNT_PREFIX = "t2_"
_SERVICE_PREFIX = "service/"


def _subject(token: AuthenticationToken, prefix: str, kind: str) -> str:
    """Return the token's subject if it starts with ``prefix``; else raise (it is no ``kind``)."""
    subject = token.subject
    if subject is None or not subject.startswith(prefix):
        raise NoAuthenticationError(f"the authenticated subject is not a {kind}")
    return subject


class User(NamedTuple):
    """Wrapper for the user values in AuthenticationToken and the LoID cookie.

    .. versionadded:: 0.1.0
    """

    authentication_token: AuthenticationToken
    """The request's authentication token (possibly an invalid one)."""

    loid: str | None
    """The logged-out user id from the LoID cookie, in fullname format (``t2_...``)."""

    cookie_created_ms: int | None
    """When the LoID cookie was created, in milliseconds since the UNIX epoch."""

    @property
    def id(self) -> str:
        """Return the authenticated account id (``t2_...``) of the current user.

        Raises:
            NoAuthenticationError: if there was no authentication token, it was invalid,
                or its subject is not an account.
        """
        return _subject(self.authentication_token, _ACCOUNT_PREFIX, "user account")

    @property
    def is_logged_in(self) -> bool:
        """Return whether the user has a valid, authenticated account id."""
        try:
            return bool(self.id)
        except NoAuthenticationError:
            return False

    @property
    def roles(self) -> frozenset[str]:
        """Return the authenticated roles of the current user.

        Raises:
            NoAuthenticationError: if there was no authentication token or it was invalid.
        """
        return self.authentication_token.user_roles

    def has_role(self, role: str) -> bool:
        """Return whether the authenticated user has ``role``.

        Args:
            role: The role's name; it is lower-cased before the comparison, as roles are
                issued in lower case.

        Raises:
            NoAuthenticationError: if there was no authentication token or it was invalid.
        """
        return role.lower() in self.roles

    def event_fields(self) -> dict[str, Any]:
        """Return fields to be added to events.

        ``user_id`` is the account id when the user is logged in, else the LoID;
        ``logged_in`` says which; ``cookie_created_timestamp`` is the LoID cookie's creation
        time (milliseconds since the UNIX epoch).
        """
        logged_in = self.is_logged_in
        return {
            "user_id": self.id if logged_in else self.loid,
            "logged_in": logged_in,
            "cookie_created_timestamp": self.cookie_created_ms,
        }


class OAuthClient(NamedTuple):
    """Wrapper for the OAuth2 client values in AuthenticationToken.

    .. versionadded:: 0.1.0
    """

    authentication_token: AuthenticationToken
    """The request's authentication token (possibly an invalid one)."""

    @property
    def id(self) -> str | None:
        """Return the authenticated id of the current client (``None`` if the token has none).

        Raises:
            NoAuthenticationError: if there was no authentication token or it was invalid.
        """
        return self.authentication_token.oauth_client_id

    def is_type(self, *client_types: str) -> bool:
        """Return whether the authenticated client type is one of ``client_types``.

        Check that the type "is" one of the allowed types rather than that it "is not" a
        disallowed one, so that a new kind of client is not let in by mistake::

            if oauth_client.is_type("third_party"):
                ...

        not::

            if not oauth_client.is_type("first_party"):
                ...

        Args:
            client_types: Case-insensitive names of the client types to accept.

        Raises:
            NoAuthenticationError: if there was no authentication token or it was invalid.
        """
        client_type = self.authentication_token.oauth_client_type
        if client_type is None:
            return False
        return client_type in {name.lower() for name in client_types}

    def event_fields(self) -> dict[str, Any]:
        """Return fields to be added to events: ``oauth_client_id`` (``None`` without a
        valid token)."""
        try:
            client_id = self.id
        except NoAuthenticationError:
            client_id = None
        return {"oauth_client_id": client_id}


class Service(NamedTuple):
    """Wrapper for the service values in AuthenticationToken: the service calling, when a
    service rather than a user authenticated.

    .. versionadded:: 0.1.0
    """

    authentication_token: AuthenticationToken
    """The request's authentication token (possibly an invalid one)."""

    @property
    def name(self) -> str:
        """Return the authenticated service's name (the subject without ``service/``).

        Raises:
            NoAuthenticationError: if there was no authentication token, it was invalid,
                or its subject is not a service.
        """
        subject = _subject(self.authentication_token, _SERVICE_PREFIX, "service")
        return subject[len(_SERVICE_PREFIX) :]


class Session(NamedTuple):
    """Wrapper for the session values in the EdgeRequestContext.

    .. versionadded:: 0.1.0
    """

    id: str | None
    """The session cookie's id, or ``None``."""


class Device(NamedTuple):
    """Wrapper for the device values in the EdgeRequestContext.

    .. versionadded:: 0.1.0
    """

    id: str | None
    """The id of the device the request came from, or ``None``."""


class OriginService(NamedTuple):
    """Wrapper for the origin values in the EdgeRequestContext.

    .. versionadded:: 0.1.0
    """

    name: str | None
    """The name of the edge service that first handled the request, or ``None``."""


class Geolocation(NamedTuple):
    """Wrapper for the geolocation values in the EdgeRequestContext.

    .. versionadded:: 0.1.0
    """

    country_code: str | None
    """The ISO 3166-1 alpha-2 code of the country the request came from, or ``None``."""
