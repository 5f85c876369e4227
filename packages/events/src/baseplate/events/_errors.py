"""The errors of :mod:`baseplate.events`: one base class, one subclass per way a put fails."""

from __future__ import annotations

from ._limits import MAX_EVENT_SIZE


class EventError(Exception):
    """Base class of the errors :mod:`baseplate.events` raises.

    .. versionadded:: 0.1.0
    """


class EventTooLargeError(EventError):
    """The serialized event is larger than a queue message may be.

    The publisher's queue carries messages of at most
    :data:`~baseplate.events.MAX_EVENT_SIZE` bytes; make the event smaller (fewer or shorter
    fields).

    Args:
        size: The size of the serialized event, in bytes.
        max_size: The largest the queue accepts, in bytes.

    Attributes:
        size: The size of the serialized event, in bytes.
        max_size: The largest the queue accepts, in bytes.

    .. versionadded:: 0.1.0
    """

    def __init__(self, size: int, max_size: int = MAX_EVENT_SIZE) -> None:
        super().__init__(
            f"the serialized event is {size} bytes; the event queue takes at most {max_size}: "
            "send fewer or shorter fields"
        )
        self.size = size
        self.max_size = max_size

    def __reduce__(self) -> tuple[type[EventTooLargeError], tuple[int, int]]:
        return type(self), (self.size, self.max_size)


class EventQueueFullError(EventError):
    """The event queue stayed full for as long as a put may wait.

    This usually means the event publisher sidecar is not running, or cannot reach the
    collector and is holding events back until it can.

    Args:
        name: The queue's name (``/events-<name>``).
        timeout: How long the put waited, in seconds.

    Attributes:
        name: The queue's name.
        timeout: How long the put waited, in seconds.

    .. versionadded:: 0.1.0
    """

    def __init__(self, name: str, timeout: float) -> None:
        super().__init__(
            f"the event queue {name!r} stayed full for {timeout} s; is the event publisher "
            "running and reaching its collector?"
        )
        self.name = name
        self.timeout = timeout

    def __reduce__(self) -> tuple[type[EventQueueFullError], tuple[str, float]]:
        return type(self), (self.name, self.timeout)
