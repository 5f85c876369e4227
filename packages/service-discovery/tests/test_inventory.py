"""Tests for baseplate.service_discovery against real inventory files."""

from __future__ import annotations

import collections
import logging
import pathlib
import random
import socket

import pytest
from baseplate_testing import replace_file as write

from baseplate.config import EndpointConfiguration, InternetAddress
from baseplate.service_discovery import Backend, NoBackendsAvailableError, ServiceInventory

# What Synapse's file_output writes for one service (extra keys are ignored).
INVENTORY = [
    {"id": 1, "name": "i-one", "host": "10.0.0.1", "port": 9090, "weight": None},
    {"id": 2, "name": "i-two", "host": "10.0.0.2", "port": 9090, "weight": 3,
     "haproxy_server_options": "check"},
    {"id": 3, "name": "i-six", "host": "fd00::6", "port": 9091, "weight": 0},
]  # fmt: skip


@pytest.fixture
def path(tmp_path: pathlib.Path) -> pathlib.Path:
    path = tmp_path / "example.json"
    write(path, INVENTORY)
    return path


def test_get_backends_reads_every_entry(path: pathlib.Path) -> None:
    """Each entry becomes a Backend; a null weight is 1; an IPv6 host gets AF_INET6."""
    backends = ServiceInventory(str(path)).get_backends()

    expected = [
        Backend(1, "i-one", EndpointConfiguration(socket.AF_INET, ("10.0.0.1", 9090)), 1),
        Backend(2, "i-two", EndpointConfiguration(socket.AF_INET, ("10.0.0.2", 9090)), 3),
        Backend(3, "i-six", EndpointConfiguration(socket.AF_INET6, ("fd00::6", 9091)), 0),
    ]
    assert expected == backends
    assert isinstance(backends[0].endpoint.address, InternetAddress)
    assert backends[0].endpoint.address.host == "10.0.0.1"


def test_get_backend_follows_the_weights(path: pathlib.Path) -> None:
    """Weights 1 : 3 : 0 give shares of about a quarter, three quarters and none."""
    random.seed(2024)
    inventory = ServiceInventory(str(path))

    counts = collections.Counter(inventory.get_backend().id for _ in range(20_000))

    assert counts[3] == 0
    assert 0.23 < counts[1] / 20_000 < 0.27


def test_changes_are_seen(path: pathlib.Path) -> None:
    """A new inventory replaces the old one on the next call."""
    inventory = ServiceInventory(str(path))
    inventory.get_backends()

    write(path, [{"id": 9, "name": "new", "host": "example.net", "port": 80, "weight": 1}])

    expected = [9]
    assert expected == [backend.id for backend in inventory.get_backends()]
    assert inventory.get_backend().id == 9


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("{not json", "Expecting property name"),
        ('{"id": 1}', "expected a JSON array of backends, got dict"),
        ('[{"id": 1, "name": "x", "host": "h"}]', "backend 0 has no 'port'"),
        ('[{"id": "1", "name": "x", "host": "h", "port": 1}]', "backend 0's id is not an integer"),
        ('[{"id": 1, "name": "x", "host": "h", "port": 70000}]', "port is not from 0 to 65535"),
        ('[{"id": 1, "name": "x", "host": "h", "port": 1, "weight": -2}]', "weight is negative"),
        ("[3]", "backend 0 is not an object"),
    ],
)
def test_corrupt_file_keeps_the_last_good_inventory(
    path: pathlib.Path, caplog: pytest.LogCaptureFixture, content: str, why: str
) -> None:
    """A bad new version is ignored, and the log says what is wrong with it."""
    inventory = ServiceInventory(str(path))
    inventory.get_backends()

    write(path, content)
    with caplog.at_level(logging.WARNING):
        backends = inventory.get_backends()

    expected = [1, 2, 3]
    assert expected == [backend.id for backend in backends]
    assert why in caplog.text


def test_removed_file_keeps_the_last_good_inventory(path: pathlib.Path) -> None:
    """Synapse restarting (the file briefly gone) does not empty the inventory."""
    inventory = ServiceInventory(str(path))
    inventory.get_backends()

    path.unlink()

    expected = [1, 2, 3]
    assert expected == [backend.id for backend in inventory.get_backends()]
    assert inventory.get_backend().id in {1, 2}


def test_never_readable_file_is_an_empty_inventory(tmp_path: pathlib.Path) -> None:
    """Before the file exists there are no backends, and get_backend says so."""
    inventory = ServiceInventory(str(tmp_path / "missing.json"))

    expected: list[Backend] = []
    assert expected == inventory.get_backends()
    with pytest.raises(NoBackendsAvailableError, match=r"missing\.json"):
        inventory.get_backend()


@pytest.mark.parametrize(
    "content",
    [[], [{"id": 1, "name": "zero", "host": "h", "port": 1, "weight": 0}]],
    ids=["empty", "all-weights-zero"],
)
def test_no_backend_to_choose(path: pathlib.Path, content: list[object]) -> None:
    """An empty inventory, or one where every weight is 0, has no backend to give."""
    write(path, content)
    inventory = ServiceInventory(str(path))

    with pytest.raises(NoBackendsAvailableError):
        inventory.get_backend()


def test_get_backends_returns_a_copy(path: pathlib.Path) -> None:
    """Changing the returned list does not change the inventory."""
    inventory = ServiceInventory(str(path))

    inventory.get_backends().clear()

    assert len(inventory.get_backends()) == 3
