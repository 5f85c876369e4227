"""The message queue: a POSIX queue opened non-blocking and waited on through its descriptor."""

from __future__ import annotations

import contextlib
import select
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

import posix_ipc

from baseplate.message_queue._errors import (
    InvalidParametersError,
    MessageQueueOSError,
    MessageTooLargeError,
    TimedOutError,
)

_MAX_NAME_LENGTH = 255

_T = TypeVar("_T")


def _check_name(name: object) -> str:
    if (
        not isinstance(name, str)
        or len(name) < 2
        or len(name) > _MAX_NAME_LENGTH
        or not name.startswith("/")
        or "/" in name[1:]
    ):
        raise InvalidParametersError(
            "a queue name is a slash followed by 1 to 254 characters with no other slash, "
            f"like '/my-queue', got {name!r}"
        )
    return name


def _check_limit(what: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidParametersError(f"{what} must be a positive int, got {value!r}")
    return value


def _check_timeout(timeout: object) -> float | None:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 0:
        raise ValueError(f"timeout must be None or a number of seconds >= 0, got {timeout!r}")
    return float(timeout)


def _wait_for(fd: int, writable: bool, timeout: float | None) -> None:
    """Block until ``fd`` is readable (or writable) or ``timeout`` seconds pass.

    The functions are looked up on the :mod:`select` module at call time, so under gevent's
    monkey-patching only the calling greenlet waits. ``poll`` is preferred because ``select``
    cannot watch descriptors above ``FD_SETSIZE``. Interrupted waits are resumed by Python
    itself (PEP 475).
    """
    poll_factory = getattr(select, "poll", None)
    if poll_factory is not None:
        poller = poll_factory()
        poller.register(fd, select.POLLOUT if writable else select.POLLIN)
        poller.poll(None if timeout is None else timeout * 1000.0)
    elif writable:
        select.select([], [fd], [], timeout)
    else:
        select.select([fd], [], [], timeout)


class MessageQueue:
    """A gevent-friendly (but not required) inter-process message queue.

    The queue is opened, and created if it does not exist yet, when the object is made. It is
    opened non-blocking: when ``get`` finds it empty or ``put`` finds it full, the call waits
    for the queue's descriptor to become ready with :func:`select.poll`, which gevent makes
    cooperative, so a waiting greenlet never blocks the others. Without gevent it is an
    ordinary blocking wait.

    ``max_messages`` and ``max_message_size`` only apply when this call creates the queue; a
    queue that already exists keeps the limits it was created with, and the
    :attr:`max_messages` and :attr:`max_message_size` attributes report those.

    Args:
        name: Up to 255 characters: an initial slash followed by one or more characters, none
            of which is a slash, e.g. ``"/traces-main"``.
        max_messages: How many messages the queue can hold.
        max_message_size: The largest message, in bytes.

    Raises:
        InvalidParametersError: if the name is malformed or a limit is not a positive int or
            is above what the system allows (see ``/proc/sys/fs/mqueue/``).
        MessageQueueOSError: if the system refuses to open the queue, e.g. permissions or
            the ``msgqueue`` resource limit (``ulimit -q``).

    .. versionadded:: 0.1.0
    """

    def __init__(self, name: str, max_messages: int, max_message_size: int) -> None:
        self.name = _check_name(name)
        _check_limit("max_messages", max_messages)
        _check_limit("max_message_size", max_message_size)
        try:
            queue = posix_ipc.MessageQueue(
                name,
                posix_ipc.O_CREAT,
                mode=0o644,
                max_messages=max_messages,
                max_message_size=max_message_size,
            )
        except ValueError as exc:
            raise InvalidParametersError(
                f"cannot open message queue {name!r} with max_messages={max_messages} and "
                f"max_message_size={max_message_size} ({exc}); the system's limits are the "
                "fs.mqueue.msg_max and fs.mqueue.msgsize_max sysctls (/proc/sys/fs/mqueue/)"
            ) from exc
        except posix_ipc.PermissionsError as exc:
            raise MessageQueueOSError(
                f"permission denied opening message queue {name!r}: {exc}"
            ) from exc
        except OSError as exc:
            raise MessageQueueOSError(
                f"cannot open message queue {name!r} ({exc}); the space all of a user's "
                "queues may take is limited by the msgqueue resource limit (ulimit -q)"
            ) from exc
        queue.block = False
        self._queue: Any = queue
        self._fd: int = queue.mqd
        #: How many messages the queue can hold (as the queue was created).
        self.max_messages: int = queue.max_messages
        #: The largest message the queue accepts, in bytes (as the queue was created).
        self.max_message_size: int = queue.max_message_size
        self._closed = False

    def __repr__(self) -> str:
        return (
            f"<MessageQueue {self.name!r} max_messages={self.max_messages} "
            f"max_message_size={self.max_message_size}>"
        )

    @property
    def current_messages(self) -> int:
        """How many messages are waiting in the queue right now."""
        return int(self._queue.current_messages)

    def fileno(self) -> int:
        """Return the queue's descriptor, readable when messages wait, writable when not full."""
        return self._fd

    def get(self, timeout: float | None = None) -> bytes:
        """Read a message from the queue.

        Args:
            timeout: If the queue is empty, wait up to this many seconds for a message;
                ``None`` waits forever and ``0`` makes a single attempt.

        Returns:
            The oldest message (of the highest priority) in the queue.

        Raises:
            TimedOutError: The queue was empty for the allowed duration of the call.
            ValueError: ``timeout`` is negative or not a number.
        """
        message, _priority = self._until_done(self._queue.receive, (), timeout, writable=False)
        return bytes(message)

    def put(self, message: bytes | str, timeout: float | None = None) -> None:
        """Add a message to the queue.

        Args:
            message: The message; a :class:`str` is sent encoded as UTF-8.
            timeout: If the queue is full, wait up to this many seconds for room; ``None``
                waits forever and ``0`` makes a single attempt.

        Raises:
            TimedOutError: The queue was full for the allowed duration of the call.
            MessageTooLargeError: The message is longer than :attr:`max_message_size`.
            ValueError: ``timeout`` is negative or not a number.
        """
        data = message.encode("utf-8") if isinstance(message, str) else message
        if len(data) > self.max_message_size:
            raise MessageTooLargeError(len(data), self.max_message_size)
        self._until_done(self._queue.send, (data,), timeout, writable=True)

    def _until_done(
        self,
        operation: Callable[..., _T],
        args: tuple[Any, ...],
        timeout: float | None,
        writable: bool,
    ) -> _T:
        # Call the non-blocking operation until the queue lets it through: while it is busy
        # (empty for a read, full for a write), wait on the descriptor within the timeout;
        # a call interrupted by a signal is made again.
        budget = _check_timeout(timeout)
        deadline = None
        while True:
            try:
                return operation(*args)
            except posix_ipc.BusyError:
                pass
            except posix_ipc.SignalError:
                continue
            if deadline is None and budget is not None:
                deadline = time.monotonic() + budget
            self._wait(deadline, writable)

    def _wait(self, deadline: float | None, writable: bool) -> None:
        # The clock starts after the first (non-blocking) attempt, which takes no time.
        if deadline is None:
            _wait_for(self._fd, writable, None)
            return
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimedOutError(
                f"message queue {self.name!r} stayed {'full' if writable else 'empty'}"
            )
        _wait_for(self._fd, writable, remaining)

    def unlink(self) -> None:
        """Remove the queue from the system.

        The name disappears at once, but the queue itself stays until the last process
        using it closes it. Unlinking a queue that is already gone does nothing.
        """
        with contextlib.suppress(posix_ipc.ExistentialError):
            posix_ipc.unlink_message_queue(self.name)

    def close(self) -> None:
        """Close the queue, freeing related resources.

        This must be called explicitly if queues are created and destroyed on the fly; it is
        not called when the object is garbage collected. Closing twice does nothing.
        """
        if not self._closed:
            self._closed = True
            self._queue.close()

    def __enter__(self) -> MessageQueue:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
