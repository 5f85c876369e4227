"""The errors of :mod:`baseplate.live_data`: one base class, a subclass per failure."""

from __future__ import annotations


class LiveDataError(Exception):
    """The base of the errors that this package raises.

    .. versionadded:: 0.1.0
    """


class NodeNotFoundError(LiveDataError):
    """The ZooKeeper node to write does not exist (and was not to be created).

    Nodes are created by someone who can give them the right ACLs; the writer only creates
    one when asked to (``create=True``, ``--create``).

    Args:
        path: The node's path.

    Attributes:
        path: The node's path.

    .. versionadded:: 0.1.0
    """

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path

    def __str__(self) -> str:
        return (
            f"ZooKeeper node {self.path!r} does not exist: create it first (with the ACLs it "
            "needs), or ask the writer to create it (--create)"
        )


class ConcurrentChangeError(LiveDataError):
    """The node changed between reading it and writing it; nothing was written.

    The write is a compare-and-set on the version that was read, so someone else's change
    made meanwhile is reported instead of being overwritten. Read the node again, look at
    the new difference and write again if it is still wanted.

    Args:
        path: The node's path.
        version: The node's version when it was read (``None``: it did not exist then).

    Attributes:
        path: The node's path.
        version: The node's version when it was read (``None``: it did not exist then).

    .. versionadded:: 0.1.0
    """

    def __init__(self, path: str, version: int | None) -> None:
        super().__init__(path, version)
        self.path = path
        self.version = version

    def __str__(self) -> str:
        if self.version is None:
            was = "did not exist when it was read, but someone else created it"
        else:
            was = f"was at version {self.version} when it was read, and someone else changed it"
        return (
            f"ZooKeeper node {self.path!r} {was} before the write: nothing was written; "
            "run the writer again to see the difference from the new data"
        )
