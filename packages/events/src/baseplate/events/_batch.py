"""Serialized events gathered into one collector POST body, bounded in size and age.

The bounds, and the counting of a body's size, are :class:`baseplate.sidecar_kit.Batch`'s;
this module gives the two bodies: v1's JSON array and v2's Thrift JSON list.
"""

from __future__ import annotations

from baseplate.sidecar_kit import MAX_BATCH_AGE, MAX_BATCH_SIZE, Batch, BatchFull, JSONArrayBatch

__all__ = ["MAX_BATCH_AGE", "MAX_BATCH_SIZE", "Batch", "BatchFull", "V1Batch", "V2Batch"]


class V1Batch(JSONArrayBatch):
    """v1 events as a JSON array: ``[e1,e2,...]``."""


class V2Batch(Batch):
    """v2 events as the Thrift JSON struct whose field 1 is the list of events.

    That is ``{"1":{"lst":["rec",<count>,e1,e2,...]}}``: a list of structs (``rec``) of
    ``count`` elements.
    """

    _HEAD = b'{"1":{"lst":["rec",'
    _TAIL = b"]}}"

    def framing(self, count: int) -> int:
        """The head with the count, and the tail."""
        # The count, and the comma after it when there are events.
        return len(self._HEAD) + len(str(count)) + (1 if count else 0) + len(self._TAIL)

    def serialize(self) -> bytes:
        """Return ``{"1":{"lst":["rec",<count>,...]}}``."""
        count = str(len(self._items)).encode("ascii")
        if not self._items:
            return self._HEAD + count + self._TAIL
        return self._HEAD + count + b"," + b",".join(self._items) + self._TAIL
