"""Encoded spans gathered into one JSON array of bounded size: a collector POST's body."""

from __future__ import annotations

from baseplate.sidecar_kit import MAX_BATCH_AGE, BatchFull, JSONArrayBatch

__all__ = ["MAX_BATCH_AGE", "MAX_BATCH_SIZE_DEFAULT", "BatchFull", "SpanBatch"]

#: The largest batch posted at once, in bytes, unless configured otherwise (the trace
#: publisher's ``max_batch_size``; also the most the remote recorder puts in one POST).
MAX_BATCH_SIZE_DEFAULT = 500 * 1024


class SpanBatch(JSONArrayBatch):
    """Encoded spans gathered into a JSON array, limited in size and age.

    The size counts the brackets and commas of the array. A batch's age runs from its first
    span. A span larger than the whole limit is still accepted into an empty batch, so that
    one oversized span cannot stall the publisher.

    Args:
        max_size: The largest serialized batch, in bytes.
        max_age: How long a batch may gather spans before it is due, in seconds.
        clock: The monotonic clock to measure age with.
    """
