"""Serialized items gathered into one collector POST body, bounded in size and age."""

from __future__ import annotations

import time
from collections.abc import Callable

#: The largest batch body, in bytes (500 KiB), unless a batch is given another.
MAX_BATCH_SIZE = 500 * 1024
#: The longest an item waits in a batch before the batch is due, in seconds.
MAX_BATCH_AGE = 1.0


class BatchFull(Exception):
    """The batch has no room for another item.

    .. versionadded:: 0.1.0
    """


class Batch:
    """Serialized items gathered for one POST, limited in size and age.

    The size is that of the serialized body, framing included. A batch's age runs from its
    first item. An item larger than the whole limit is still accepted into an empty batch,
    so that one oversized item cannot stall a publisher.

    Subclasses give the framing: :meth:`serialize` and :meth:`framing` (see
    :class:`JSONArrayBatch`).

    Args:
        max_size: The largest serialized batch, in bytes.
        max_age: How long a batch may gather items before it is due, in seconds.
        clock: The monotonic clock to measure age with.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        max_size: int = MAX_BATCH_SIZE,
        max_age: float = MAX_BATCH_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_size = max_size
        self.max_age = max_age
        self._clock = clock
        self._items: list[bytes] = []
        self._content = 0  # the items' bytes and the commas between them
        self._first_at = 0.0

    def __len__(self) -> int:
        return len(self._items)

    def framing(self, count: int) -> int:
        """Return the bytes a body of ``count`` items adds around them (commas aside)."""
        raise NotImplementedError

    @property
    def size(self) -> int:
        """The size of the serialized batch, in bytes."""
        return self._content + self.framing(len(self._items))

    def add(self, item: bytes) -> None:
        """Add a serialized item.

        Raises:
            BatchFull: if the item would make the batch larger than ``max_size``.
        """
        added = len(item) + (1 if self._items else 0)
        if self._items and (
            self._content + added + self.framing(len(self._items) + 1) > self.max_size
        ):
            raise BatchFull
        if not self._items:
            self._first_at = self._clock()
        self._items.append(item)
        self._content += added

    def is_due(self) -> bool:
        """Whether the batch holds items and its first one is at least ``max_age`` old."""
        return bool(self._items) and self._clock() - self._first_at >= self.max_age

    @property
    def items(self) -> list[bytes]:
        """The serialized items, in the order they were added."""
        return list(self._items)

    def serialize(self) -> bytes:
        """Return the POST body."""
        raise NotImplementedError

    def reset(self) -> None:
        """Empty the batch."""
        self._items = []
        self._content = 0


class JSONArrayBatch(Batch):
    """Items that are JSON values, as one JSON array: ``[item,item,...]``.

    .. versionadded:: 0.1.0
    """

    def framing(self, count: int) -> int:
        """The two brackets."""
        return 2

    def serialize(self) -> bytes:
        """Return ``[item,item,...]``."""
        return b"[" + b",".join(self._items) + b"]"
