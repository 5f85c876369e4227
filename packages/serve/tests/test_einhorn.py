"""Tests for the Einhorn worker protocol (baseplate.server.einhorn)."""

from __future__ import annotations

import os
import socket
import threading

import pytest

from baseplate.server import EinhornError, einhorn


def test_is_worker_when_the_master_is_the_parent():
    """A process is a worker iff EINHORN_MASTER_PID is its parent's pid."""
    assert einhorn.is_worker({"EINHORN_MASTER_PID": str(os.getppid())})
    assert not einhorn.is_worker({"EINHORN_MASTER_PID": str(os.getppid() + 100000)})
    assert not einhorn.is_worker({})
    assert not einhorn.is_worker({"EINHORN_MASTER_PID": "not-a-pid"})


def test_socket_count():
    """EINHORN_FD_COUNT gives the number of sockets; none when it is absent."""
    assert einhorn.get_socket_count({"EINHORN_FD_COUNT": "2"}) == 2
    assert einhorn.get_socket_count({}) == 0
    with pytest.raises(EinhornError, match="EINHORN_FD_COUNT must be a number, got 'x'"):
        einhorn.get_socket_count({"EINHORN_FD_COUNT": "x"})


def test_get_socket_adopts_the_inherited_descriptor():
    """get_socket wraps EINHORN_FD_<i> with the family of EINHORN_FD_FAMILY_<i>."""
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as original:
        original.bind(("::1", 0))
        original.listen(1)
        fd = os.dup(original.fileno())
        environ = {
            "EINHORN_FD_COUNT": "1",
            "EINHORN_FD_0": str(fd),
            "EINHORN_FD_FAMILY_0": "AF_INET6",
        }
        with einhorn.get_socket(0, environ) as adopted:
            assert fd == adopted.fileno()
            assert adopted.family == socket.AF_INET6
            assert original.getsockname() == adopted.getsockname()


def test_get_socket_defaults_to_inet():
    """Without EINHORN_FD_FAMILY_<i> the socket is AF_INET."""
    with socket.socket() as original:
        original.bind(("127.0.0.1", 0))
        fd = os.dup(original.fileno())
        with einhorn.get_socket(0, {"EINHORN_FD_COUNT": "1", "EINHORN_FD_0": str(fd)}) as adopted:
            assert adopted.family == socket.AF_INET


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, r"Einhorn passed 0 socket\(s\) \(EINHORN_FD_COUNT\), so there is no socket 0"),
        ({"EINHORN_FD_COUNT": "1", "EINHORN_FD_0": "x"}, "EINHORN_FD_0 must be a file descriptor"),
        (
            {"EINHORN_FD_COUNT": "1", "EINHORN_FD_0": "3", "EINHORN_FD_FAMILY_0": "AF_X"},
            r"EINHORN_FD_FAMILY_0 must be one of \['AF_INET', 'AF_INET6', 'AF_UNIX'\], got 'AF_X'",
        ),
    ],
)
def test_get_socket_errors(environ, message):
    """A missing or malformed socket description is an EinhornError saying what is wrong."""
    with pytest.raises(EinhornError, match=message):
        einhorn.get_socket(0, environ)


def test_ack_startup_sends_the_manual_ack_line(tmp_path):
    """The ACK is one JSON line on the master's command socket, then the socket is closed."""
    path = str(tmp_path / "einhorn.sock")
    received: list[bytes] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as master:
        master.bind(path)
        master.listen(1)
        master.settimeout(10)

        def accept() -> None:
            connection, _ = master.accept()
            with connection:
                connection.settimeout(10)
                data = b""
                while chunk := connection.recv(4096):  # until the worker closes
                    data += chunk
                received.append(data)

        thread = threading.Thread(target=accept)
        thread.start()
        einhorn.ack_startup({"EINHORN_SOCK_PATH": path})
        thread.join(10)
    expected = b'{"command": "worker:ack", "pid": ' + str(os.getpid()).encode() + b"}\n"
    assert [expected] == received


def test_ack_startup_needs_the_socket_path():
    """Without EINHORN_SOCK_PATH there is nobody to tell."""
    with pytest.raises(EinhornError, match="EINHORN_SOCK_PATH is not set"):
        einhorn.ack_startup({})
