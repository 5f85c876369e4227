"""Tests for making the listening socket (baseplate.server._listener)."""

from __future__ import annotations

import os
import socket

from baseplate.config import Endpoint, EndpointConfiguration
from baseplate.server._listener import make_listener


def test_binds_and_listens_on_a_tcp_endpoint():
    """A host:port endpoint gets a listening TCP socket with SO_REUSEADDR."""
    with make_listener(Endpoint("127.0.0.1:0"), environ={}) as listener:
        assert listener.family == socket.AF_INET
        assert listener.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)
        assert not listener.get_inheritable()
        host, port = listener.getsockname()
        with socket.create_connection((host, port), timeout=5):
            pass


def test_binds_an_endpoint_whose_address_is_a_plain_pair():
    """An endpoint built by hand with a (host, port) tuple, as socket takes, is bound too."""
    endpoint = EndpointConfiguration(socket.AF_INET, ("127.0.0.1", 0))
    with make_listener(endpoint, environ={}) as listener:
        host, port = listener.getsockname()
        assert host == "127.0.0.1"
        with socket.create_connection((host, port), timeout=5):
            pass


def test_replaces_a_stale_unix_socket_file(tmp_path):
    """A socket file left behind by a previous run is removed before binding."""
    path = str(tmp_path / "app.sock")
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(path)
    stale.close()
    assert os.path.exists(path)
    with make_listener(Endpoint(path), environ={}) as listener:
        assert path == listener.getsockname()
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(path)


def test_uses_the_einhorn_socket_when_a_worker():
    """Under Einhorn the inherited socket is used and the endpoint ignored."""
    with socket.socket() as original:
        original.bind(("127.0.0.1", 0))
        original.listen(1)
        environ = {
            "EINHORN_MASTER_PID": str(os.getppid()),
            "EINHORN_FD_COUNT": "1",
            "EINHORN_FD_0": str(os.dup(original.fileno())),
        }
        with make_listener(Endpoint("127.0.0.1:1"), environ=environ) as listener:
            assert original.getsockname() == listener.getsockname()
