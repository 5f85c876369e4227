"""The exceptions raised by :mod:`baseplate.message_queue`."""

from __future__ import annotations


class MessageQueueError(Exception):
    """Base exception for message queue related errors.

    .. versionadded:: 0.1.0
    """


class TimedOutError(MessageQueueError):
    """Raised when a message queue operation times out.

    ``get`` raises it when the queue stayed empty, ``put`` when it stayed full, for the whole
    ``timeout`` given (immediately when the timeout is ``0``).

    .. versionadded:: 0.1.0
    """


class InvalidParametersError(MessageQueueError, ValueError):
    """The queue could not be opened because its name or limits are not acceptable.

    Besides a malformed name, the usual cause is a ``max_messages`` or ``max_message_size``
    above what the system allows for unprivileged processes (the ``fs.mqueue.msg_max`` and
    ``fs.mqueue.msgsize_max`` sysctls). It is also a :exc:`ValueError`, like the error
    ``posix_ipc`` raises.

    .. versionadded:: 0.1.0
    """


class MessageQueueOSError(MessageQueueError):
    """The system refused to open the queue, e.g. for lack of permission or of space.

    The space all of a user's queues may take is limited by the ``msgqueue`` resource limit
    (``ulimit -q``). The original error is chained as ``__cause__``.

    .. versionadded:: 0.1.0
    """


class MessageTooLargeError(MessageQueueError, ValueError):
    """The message is longer than the queue's ``max_message_size`` and can never be sent.

    Attributes:
        size: The length of the message in bytes.
        max_size: The queue's largest acceptable message, in bytes.

    .. versionadded:: 0.1.0
    """

    def __init__(self, size: int, max_size: int) -> None:
        super().__init__(
            f"the message is {size} bytes long but the queue accepts at most {max_size} bytes"
        )
        self.size = size
        self.max_size = max_size

    def __reduce__(self) -> tuple[type[MessageTooLargeError], tuple[int, int]]:
        return (type(self), (self.size, self.max_size))
