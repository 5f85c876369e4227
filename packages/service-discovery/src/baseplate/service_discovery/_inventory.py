"""The service inventory: Synapse's JSON file, watched, and backends picked from it."""

from __future__ import annotations

import ipaddress
import json
import socket
from typing import IO, Any, NamedTuple

from baseplate.config import EndpointConfiguration, InternetAddress
from baseplate.file_watcher import FileWatcher, WatchedFileNotAvailableError
from baseplate.random import WeightedLottery


class NoBackendsAvailableError(Exception):
    """The inventory has no backend to choose from (or has never been readable).

    .. versionadded:: 0.1.0
    """


class Backend(NamedTuple):
    """One backend of the service, as the inventory describes it.

    .. versionadded:: 0.1.0
    """

    id: int
    """A unique integer identifying the backend."""

    name: str
    """The backend's name."""

    endpoint: EndpointConfiguration
    """Where the backend listens (:data:`socket.AF_INET` or :data:`socket.AF_INET6`)."""

    weight: int
    """How much to prefer this backend when choosing one; 1 when the inventory gives none."""


class _Inventory(NamedTuple):
    backends: list[Backend]
    lottery: WeightedLottery[Backend] | None  # None when no backend has a weight above zero


def _family(host: str) -> socket.AddressFamily:
    try:
        return socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET
    except ValueError:  # a host name
        return socket.AF_INET


def _backend(position: int, entry: object) -> Backend:
    if not isinstance(entry, dict):
        raise ValueError(f"backend {position} is not an object: {entry!r}")
    try:
        backend_id, name, host, port = entry["id"], entry["name"], entry["host"], entry["port"]
    except KeyError as exc:
        raise ValueError(f"backend {position} has no {exc.args[0]!r}") from None
    weight = entry.get("weight")
    weight = 1 if weight is None else weight
    for field, value, kind in (
        ("id", backend_id, int),
        ("name", name, str),
        ("host", host, str),
        ("port", port, int),
        ("weight", weight, int),
    ):
        if isinstance(value, bool) or not isinstance(value, kind):
            expected = "an integer" if kind is int else "a string"
            raise ValueError(f"backend {position}'s {field} is not {expected}: {value!r}")
    if not 0 <= port <= 65535:
        raise ValueError(f"backend {position}'s port is not from 0 to 65535: {port!r}")
    if weight < 0:
        raise ValueError(f"backend {position}'s weight is negative: {weight!r}")
    endpoint = EndpointConfiguration(_family(host), InternetAddress(host, port))
    return Backend(backend_id, name, endpoint, weight)


def _parse(file: IO[str]) -> _Inventory:
    entries: Any = json.load(file)
    if not isinstance(entries, list):
        raise ValueError(f"expected a JSON array of backends, got {type(entries).__name__}")
    backends = [_backend(position, entry) for position, entry in enumerate(entries)]
    lottery = None
    if any(backend.weight > 0 for backend in backends):
        lottery = WeightedLottery(backends, weight_key=lambda backend: backend.weight)
    return _Inventory(backends, lottery)


_EMPTY = _Inventory([], None)


class ServiceInventory:
    """The backends of one service, from the inventory file Synapse writes for it.

    The file is Synapse's ``file_output``: a JSON array of objects with ``id``, ``name``,
    ``host``, ``port`` and ``weight`` (``null`` meaning 1); other keys are ignored. It is read
    through a :class:`~baseplate.file_watcher.FileWatcher`, so it is parsed again only after
    it changes. A file that disappears, or whose new version is not valid JSON in that shape,
    leaves the last good inventory in place (the watcher logs why); before any version was
    readable, the inventory is empty.

    Args:
        filename: The absolute path of the inventory file.

    .. versionadded:: 0.1.0
    """

    def __init__(self, filename: str) -> None:
        self._watcher = FileWatcher(filename, parser=_parse)

    def _inventory(self) -> _Inventory:
        try:
            return self._watcher.get_data()
        except WatchedFileNotAvailableError:
            return _EMPTY

    def get_backends(self) -> list[Backend]:
        """Return every backend in the inventory, in the file's order.

        Returns:
            The backends; an empty list if the file has never been readable.
        """
        return list(self._inventory().backends)

    def get_backend(self) -> Backend:
        """Return one backend, chosen at random in proportion to the weights.

        A backend of weight 0 is never chosen.

        Raises:
            NoBackendsAvailableError: the inventory is empty (or has never been readable),
                or every backend's weight is 0.
        """
        lottery = self._inventory().lottery
        if lottery is None:
            raise NoBackendsAvailableError(
                f"no backend with a weight above zero in {self._watcher.path}"
            )
        return lottery.pick()
