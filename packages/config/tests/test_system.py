"""Tests for the parsers that refer to the operating system: Endpoint, File, UnixUser, UnixGroup."""

from __future__ import annotations

import pathlib
import pickle
import re
import socket

import pytest

from baseplate.config import (
    Endpoint,
    EndpointConfiguration,
    File,
    InternetAddress,
    UnixGroup,
    UnixUser,
)


@pytest.mark.parametrize(
    ("text", "host", "port"),
    [
        ("localhost:9090", "localhost", 9090),
        ("10.0.0.1:80", "10.0.0.1", 80),
        ("db.example.com:5432", "db.example.com", 5432),
        ("127.0.0.1:0", "127.0.0.1", 0),
        ("h:65535", "h", 65535),
    ],
)
def test_endpoint_host_and_port(text: str, host: str, port: int) -> None:
    """host:port gives an AF_INET endpoint with an InternetAddress."""
    expected = EndpointConfiguration(socket.AF_INET, InternetAddress(host, port))

    assert expected == Endpoint(text)


def test_endpoint_address_is_a_socket_style_tuple() -> None:
    """The address unpacks like the (host, port) pairs socket functions take."""
    endpoint = Endpoint("localhost:9090")

    assert isinstance(endpoint.address, tuple)
    host, port = endpoint.address
    family, address = endpoint

    expected = ("localhost", 9090, socket.AF_INET, ("localhost", 9090))
    assert expected == (host, port, family, address)


@pytest.mark.parametrize(
    ("text", "host"),
    [
        ("[::1]:80", "::1"),
        ("[2001:db8::5]:443", "2001:db8::5"),
        ("[fe80::1%eth0]:8", "fe80::1%eth0"),
    ],
)
def test_endpoint_ipv6(text: str, host: str) -> None:
    """A bracketed IPv6 address gives an AF_INET6 endpoint without the brackets."""
    port = int(text.rpartition(":")[2])
    expected = EndpointConfiguration(socket.AF_INET6, InternetAddress(host, port))

    assert expected == Endpoint(text)


@pytest.mark.parametrize("text", ["/run/app.sock", "./relative/app.sock", "/tmp/with:colon"])
def test_endpoint_unix_socket(text: str) -> None:
    """Anything with a slash is the path of a UNIX domain socket."""
    assert EndpointConfiguration(socket.AF_UNIX, text) == Endpoint(text)


@pytest.mark.parametrize("text", ["", "localhost", ":80", "local host:80", "[::1]", "[::1]80"])
def test_endpoint_rejects_malformed(text: str) -> None:
    """Values in none of the accepted forms are refused, and the forms are listed."""
    with pytest.raises(ValueError, match=f"expected 'host:port'.*got {re.escape(repr(text))}"):
        Endpoint(text)


def test_endpoint_rejects_unbracketed_ipv6() -> None:
    """An IPv6 address without brackets is refused with a hint to add them."""
    with pytest.raises(ValueError, match=r"put an IPv6 address in brackets, like '\[::1\]:80'"):
        Endpoint("::1:80")


def test_endpoint_rejects_non_ipv6_in_brackets() -> None:
    """Brackets are only for IPv6 addresses."""
    with pytest.raises(ValueError, match="expected an IPv6 address between the brackets"):
        Endpoint("[localhost]:80")


@pytest.mark.parametrize(
    "port", ["65536", "99999", "-1", "http", "", "\uff18\uff10", "1e3", "000080"]
)
def test_endpoint_rejects_bad_ports(port: str) -> None:
    """The port must be a decimal number from 0 to 65535."""
    with pytest.raises(
        ValueError, match=f"port number from 0 to 65535, got {re.escape(repr(port))}"
    ):
        Endpoint(f"localhost:{port}")


def test_endpoint_rejects_bad_ipv6_port() -> None:
    """The port of an IPv6 endpoint is checked too."""
    with pytest.raises(ValueError, match="port number from 0 to 65535, got '70000'"):
        Endpoint("[::1]:70000")


def test_endpoint_configuration_pickles() -> None:
    """Parsed endpoints survive pickling, e.g. when handed to worker processes."""
    endpoint = Endpoint("[::1]:80")

    assert endpoint == pickle.loads(pickle.dumps(endpoint))


def test_file_opens_for_reading(tmp_path: pathlib.Path) -> None:
    """File() returns a parser that opens the named file in the given mode."""
    path = tmp_path / "data.txt"
    path.write_text("cool")

    with File()(str(path)) as text_file, File(mode="rb")(str(path)) as binary_file:
        expected = ("cool", b"cool")
        assert expected == (text_file.read(), binary_file.read())


def test_file_reports_missing_file(tmp_path: pathlib.Path) -> None:
    """A file that cannot be opened is a ValueError naming the path and the reason."""
    path = str(tmp_path / "missing.txt")

    with pytest.raises(ValueError, match=r"could not open .*missing\.txt.* No such file"):
        File(mode="r")(path)


def test_file_reports_directory(tmp_path: pathlib.Path) -> None:
    """A directory is not a file."""
    with pytest.raises(ValueError, match="Is a directory"):
        File()(str(tmp_path))


@pytest.mark.parametrize(("text", "reason"), [("", "got ''"), ("a\0b", "contains NUL")])
def test_file_rejects_empty_and_nul(text: str, reason: str) -> None:
    """Empty paths and paths with NUL characters are refused before opening anything."""
    with pytest.raises(ValueError, match=f"expected a path to a file.*{reason}"):
        File()(text)


@pytest.mark.parametrize("mode", ["", "z", "read"])
def test_file_rejects_invalid_mode(mode: str) -> None:
    """A bad mode is a programming error reported when the parser is made."""
    with pytest.raises(
        ValueError, match=f"File mode must be a mode for open.*got {re.escape(repr(mode))}"
    ):
        File(mode=mode)


def test_unix_user_root() -> None:
    """root is user 0."""
    expected = 0
    assert expected == UnixUser("root")


def test_unix_group_root() -> None:
    """root is group 0."""
    expected = 0
    assert expected == UnixGroup("root")


@pytest.mark.parametrize("text", ["", "no-such-user-baseplate", "bad\0name"])
def test_unix_user_rejects_unknown(text: str) -> None:
    """An unknown user name is quoted in the error."""
    with pytest.raises(
        ValueError, match=f"expected the name of a Unix user, got {re.escape(repr(text))}"
    ):
        UnixUser(text)


@pytest.mark.parametrize("text", ["", "no-such-group-baseplate", "bad\0name"])
def test_unix_group_rejects_unknown(text: str) -> None:
    """An unknown group name is quoted in the error."""
    with pytest.raises(
        ValueError, match=f"expected the name of a Unix group, got {re.escape(repr(text))}"
    ):
        UnixGroup(text)
