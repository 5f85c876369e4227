"""The live-data tests' fixtures: kazoo clients, a scratch path of the shared ZooKeeper and a
ZooKeeper of a test's own. This directory is put on ``sys.path`` so that the tests can import
``live_data_support`` (the helpers behind these fixtures)."""

from __future__ import annotations

import os
import pathlib
import sys
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kazoo.client import KazooClient
from kazoo.exceptions import NoNodeError

TESTS = pathlib.Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from live_data_support import SESSION_TIMEOUT, WAIT, OwnZooKeeper  # noqa: E402


@pytest.fixture
def zookeeper(service_address: Callable[[str, int], tuple[str, int]]) -> str:
    """The shared ZooKeeper's ``host:port`` (see tools/zookeeper.sh)."""
    host, port = service_address("zookeeper", 2181)
    return f"{host}:{port}"


@pytest.fixture
def root(zookeeper: str) -> Iterator[str]:
    """A path of the shared server that is this test's alone, removed afterwards."""
    path = f"/baseplate-live-data-tests/{uuid.uuid4().hex}"
    yield path
    client = KazooClient(hosts=zookeeper, timeout=SESSION_TIMEOUT)
    client.start(timeout=WAIT)
    try:
        client.delete(path, recursive=True)
    except NoNodeError:  # the test wrote nothing
        pass
    finally:
        client.stop()
        client.close()


@pytest.fixture
def connect() -> Iterator[Callable[..., KazooClient]]:
    """``connect(hosts, **kwargs)``: a started kazoo client, closed afterwards."""
    clients: list[KazooClient] = []

    def make(hosts: str, **kwargs: Any) -> KazooClient:
        kwargs.setdefault("timeout", SESSION_TIMEOUT)
        client = KazooClient(hosts=hosts, **kwargs)
        client.start(timeout=WAIT)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.stop()
        client.close()


@pytest.fixture
def node(
    zookeeper: str, root: str, connect: Callable[..., KazooClient]
) -> Callable[..., tuple[KazooClient, str]]:
    """``node(data, name="flags")``: create ``<root>/<name>`` on the shared server holding
    ``data``; returns a client connected there and the node's path."""

    def create(data: bytes, name: str = "flags") -> tuple[KazooClient, str]:
        client = connect(zookeeper)
        path = f"{root}/{name}"
        client.create(path, data, makepath=True)
        return client, path

    return create


@pytest.fixture
def own_zookeeper(zookeeper: str, tmp_path: pathlib.Path) -> Iterator[OwnZooKeeper]:
    """A ZooKeeper of this test's own (started; see :class:`OwnZooKeeper`), stopped afterwards.

    It is run by tools/zookeeper.sh from Debian's package; without the package it is skipped
    with the reason, or failed under BASEPLATE_REQUIRE_SERVICES=1, as the shared server is."""
    if not os.path.exists("/etc/zookeeper/conf/environment"):
        reason = "Debian's zookeeper is not installed here (tools/zookeeper.sh installs it)"
        if os.environ.get("BASEPLATE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"BASEPLATE_REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)
    server = OwnZooKeeper(tmp_path / "zookeeper")
    server.start()
    yield server
    server.stop()
