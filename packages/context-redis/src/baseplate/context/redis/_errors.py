"""The exception this package raises (redis-py's own errors reach callers unchanged)."""

from __future__ import annotations


class TimedOutError(Exception):
    """:meth:`MessageQueue.get` found the queue empty for as long as it was allowed to wait.

    The exception is picklable.

    Args:
        queue_name: The name of the queue.
        timeout: How long the call waited, in seconds (0: it did not wait).

    Attributes:
        queue_name: The name of the queue.
        timeout: How long the call waited, in seconds.

    .. versionadded:: 0.1.0
    """

    def __init__(self, queue_name: str, timeout: float) -> None:
        super().__init__(queue_name, timeout)
        self.queue_name = queue_name
        self.timeout = timeout

    def __str__(self) -> str:
        return f"queue {self.queue_name!r} was empty for {self.timeout:g} s"
