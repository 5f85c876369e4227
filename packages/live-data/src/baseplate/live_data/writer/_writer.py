"""Writing data to a node with compare-and-set, and showing what the write changes."""

from __future__ import annotations

import dataclasses
import difflib
from typing import Any

from kazoo.exceptions import BadVersionError, NodeExistsError, NoNodeError

from .._errors import ConcurrentChangeError, NodeNotFoundError


@dataclasses.dataclass(frozen=True)
class WriteResult:
    """What :func:`write_node` found and did.

    Attributes:
        path: The node.
        previous: The node's data before the write; ``None`` when it was created.
        data: The data given to write.
        written: Whether anything was written (``False``: the node already held ``data``).
        version: The node's version afterwards.

    .. versionadded:: 0.1.0
    """

    path: str
    previous: bytes | None
    data: bytes
    written: bool
    version: int

    def diff(self, source: str = "new") -> str:
        """Return what the write changes, for a person to read.

        Text (UTF-8) data gives a unified diff of the lines, from the node's previous data
        to the new data; binary data a line saying how its size changed. Nothing changed
        gives ``""``.

        Args:
            source: What to call the new data in the diff's header (the file's name).
        """
        if self.previous == self.data:
            return ""
        before = self.previous or b""
        try:
            old, new = before.decode("utf-8"), self.data.decode("utf-8")
        except UnicodeDecodeError:
            return f"binary data: {len(before)} bytes -> {len(self.data)} bytes\n"
        lines = difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=self.path,
            tofile=source,
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def write_node(client: Any, path: str, data: bytes, *, create: bool = False) -> WriteResult:
    """Write ``data`` to the ZooKeeper node ``path``, unless it already holds it.

    The node is read first; when its data differs, it is written with a compare-and-set on
    the version read, so that if someone else changes the node between the read and the
    write, their change stays and :exc:`~baseplate.live_data.ConcurrentChangeError` says so.

    Args:
        client: A started :class:`kazoo.client.KazooClient` (see
            :func:`baseplate.live_data.zookeeper_client_from_config`).
        path: The node's path.
        data: What to write.
        create: Create the node (and its missing parents) when it does not exist, with the
            client's default ACL; otherwise a missing node is an error.

    Returns:
        What was there before, and whether it was written.

    Raises:
        baseplate.live_data.NodeNotFoundError: the node does not exist and ``create`` is
            false.
        baseplate.live_data.ConcurrentChangeError: someone else changed (or created) the node
            after it was read; nothing was written.
        kazoo.exceptions.KazooException: ZooKeeper refused (for instance
            ``NoAuthError``: the client's credentials may not write the node) or the
            connection failed.

    .. versionadded:: 0.1.0
    """
    try:
        previous, stat = client.get(path)
    except NoNodeError:
        if not create:
            raise NodeNotFoundError(path) from None
        try:
            client.create(path, data, makepath=True)
        except NodeExistsError:
            raise ConcurrentChangeError(path, None) from None
        return WriteResult(path, None, data, written=True, version=0)
    if previous == data:
        return WriteResult(path, previous, data, written=False, version=stat.version)
    try:
        stat = client.set(path, data, version=stat.version)
    except (BadVersionError, NoNodeError):
        raise ConcurrentChangeError(path, stat.version) from None
    return WriteResult(path, previous, data, written=True, version=stat.version)
