"""Parsers for values that refer to the operating system: endpoints, files, users and groups."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import IO, Any, NamedTuple

from baseplate.config._errors import quote


class InternetAddress(NamedTuple):
    """A host and port, in the form :mod:`socket` functions accept as an address.

    .. versionadded:: 0.1.0
    """

    host: str
    port: int


class EndpointConfiguration(NamedTuple):
    """Where to find a remote endpoint, as returned by :func:`Endpoint`.

    .. versionadded:: 0.1.0
    """

    family: socket.AddressFamily
    address: InternetAddress | str


# Field descriptions, set on the field accessors so that help() and the API docs show them.
InternetAddress.host.__doc__ = "The host name or IP address (an IPv6 address has no brackets)."
InternetAddress.port.__doc__ = "The port number, from 0 to 65535."
EndpointConfiguration.family.__doc__ = (
    ":data:`socket.AF_INET`, :data:`socket.AF_INET6` or :data:`socket.AF_UNIX`."
)
EndpointConfiguration.address.__doc__ = (
    "An :class:`InternetAddress`, or for :data:`socket.AF_UNIX` the path of the socket."
)


_ENDPOINT_FORMS = "expected 'host:port', '[ipv6-address]:port' or a path containing '/'"


def Endpoint(text: str) -> EndpointConfiguration:
    """Parse the address of an endpoint to connect to (or listen on).

    Three forms are accepted:

    * ``host:port``, e.g. ``localhost:9090`` or ``10.0.0.1:80``: the family is
      :data:`socket.AF_INET` and the address an :class:`InternetAddress`.
    * ``[address]:port`` with an IPv6 address in brackets, e.g. ``[::1]:9090``: the family is
      :data:`socket.AF_INET6` and the address an :class:`InternetAddress` whose host has no
      brackets.
    * anything containing a ``/``, e.g. ``/run/app.sock``: the path of a UNIX domain socket.
      The family is :data:`socket.AF_UNIX` and the address is the path itself.

    The port must be a decimal number from 0 to 65535 (0 asks the system to pick a port when
    listening). No name resolution happens here.

    Args:
        text: The raw value.

    Returns:
        The endpoint's address family and address.

    Raises:
        ValueError: ``text`` is empty or in none of the forms above, the port is not a
            number from 0 to 65535, or a bracketed host is not an IPv6 address.

    .. versionadded:: 0.1.0
    """
    if "/" in text:
        return EndpointConfiguration(socket.AF_UNIX, text)
    if text.startswith("["):
        host, sep, port_text = text[1:].partition("]:")
        if not sep:
            raise ValueError(f"{_ENDPOINT_FORMS}, got {quote(text)}")
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(
                f"expected an IPv6 address between the brackets, got {host!r} in {quote(text)}"
            ) from None
        return EndpointConfiguration(socket.AF_INET6, InternetAddress(host, _port(port_text, text)))
    host, sep, port_text = text.rpartition(":")
    if not sep or not host or any(char.isspace() for char in host):
        raise ValueError(f"{_ENDPOINT_FORMS}, got {quote(text)}")
    if ":" in host:
        raise ValueError(
            f"{_ENDPOINT_FORMS}, got {quote(text)}: put an IPv6 address in brackets, "
            "like '[::1]:80'"
        )
    return EndpointConfiguration(socket.AF_INET, InternetAddress(host, _port(port_text, text)))


def _port(port_text: str, text: str) -> int:
    if port_text.isascii() and port_text.isdigit() and len(port_text) <= 5:
        port = int(port_text)
        if port <= 65535:
            return port
    raise ValueError(f"expected a port number from 0 to 65535, got {port_text!r} in {quote(text)}")


_FILE_MODE_CHARACTERS = frozenset("rwxabt+")


def File(mode: str = "r") -> Callable[[str], IO[Any]]:
    """Make a parser that opens the file at the configured path.

    The parser returns the open file object, as :func:`open` would with ``mode``. The file is
    opened while the configuration is parsed, so a missing or unreadable file is reported at
    startup; the caller owns the file object and should close it.

    Args:
        mode: How to open the file, as for :func:`open` (``"r"``, ``"rb"``, ``"a"``, ...).

    Returns:
        A parser that takes a path and returns the open file.

    Raises:
        ValueError: Straight away if ``mode`` is not an :func:`open` mode. The parser raises it
            when the path is empty, contains a NUL character, or cannot be opened (the message
            includes the reason from the operating system).

    .. versionadded:: 0.1.0
    """
    if not mode or not set(mode) <= _FILE_MODE_CHARACTERS:
        raise ValueError(f"File mode must be a mode for open(), like 'r' or 'rb', got {mode!r}")

    def open_file(text: str) -> IO[Any]:
        if not text:
            raise ValueError("expected a path to a file, got ''")
        if "\0" in text:
            raise ValueError(f"expected a path to a file, got {quote(text)} (contains NUL)")
        try:
            return open(text, mode)  # the caller owns the returned file
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ValueError(f"could not open {quote(text)} (mode {mode!r}): {reason}") from exc

    return open_file


def UnixUser(text: str) -> int:
    """Parse the name of a Unix user into the user's numeric ID.

    The name is looked up in the user database (:func:`pwd.getpwnam`) at parse time.

    Args:
        text: The raw value: a user name such as ``"root"``.

    Returns:
        The user ID.

    Raises:
        ValueError: No user has that name.

    .. versionadded:: 0.1.0
    """
    import pwd  # POSIX only: imported here so the package imports everywhere

    try:
        return pwd.getpwnam(text).pw_uid
    except (KeyError, ValueError):
        raise ValueError(f"expected the name of a Unix user, got {quote(text)}") from None


def UnixGroup(text: str) -> int:
    """Parse the name of a Unix group into the group's numeric ID.

    The name is looked up in the group database (:func:`grp.getgrnam`) at parse time.

    Args:
        text: The raw value: a group name such as ``"root"``.

    Returns:
        The group ID.

    Raises:
        ValueError: No group has that name.

    .. versionadded:: 0.1.0
    """
    import grp  # POSIX only: imported here so the package imports everywhere

    try:
        return grp.getgrnam(text).gr_gid
    except (KeyError, ValueError):
        raise ValueError(f"expected the name of a Unix group, got {quote(text)}") from None
