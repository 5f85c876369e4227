"""A message queue kept in a Redis list."""

from __future__ import annotations

import math

import redis

from baseplate.context.redis._errors import TimedOutError

#: What :meth:`MessageQueue.put` takes: redis-py stores each as its text (bytes unchanged).
Message = bytes | str | int | float


class MessageQueue:
    """A first-in, first-out queue of messages in a Redis list, for any number of processes.

    A Redis-backed counterpart of :class:`baseplate.message_queue.MessageQueue` for
    processes that do not share a host: :meth:`put` appends to the list named ``name``,
    :meth:`get` takes from its head, waiting for a message if the list is empty. Unlike a
    POSIX queue, the list has no size limit and its messages no length limit; Redis's
    memory is the bound. Its commands are not spans: the queue is not tied to a request.

    Args:
        name: The queue's name: the key of the list.
        client: The pool to the server, as :func:`pool_from_config` makes it. A
            ``socket_timeout`` shorter than a :meth:`get` timeout makes that wait end early,
            with :exc:`redis.exceptions.TimeoutError`.

    .. versionadded:: 0.1.0
    """

    def __init__(self, name: str, client: redis.ConnectionPool) -> None:
        self.queue = name
        self.client = redis.Redis(connection_pool=client)

    def get(self, timeout: float | None = None) -> bytes | str:
        """Take the oldest message, waiting up to ``timeout`` seconds for one.

        Args:
            timeout: How long to wait when the queue is empty: ``None`` waits for as long as
                it takes, ``0`` does not wait; a fraction of a second is rounded up to a
                whole second, as Redis counts it.

        Returns:
            The message, as bytes (text as UTF-8, numbers as their decimal text); as text if
            the pool decodes responses.

        Raises:
            TimedOutError: the queue stayed empty for ``timeout`` seconds.
            ValueError: ``timeout`` is negative.

        .. versionadded:: 0.1.0
        """
        if timeout is not None and timeout < 0:
            raise ValueError(f"timeout must be None or at least 0, got {timeout!r}")
        if timeout == 0:
            message = self.client.lpop(self.queue)
            if message is None:
                raise TimedOutError(self.queue, 0)
            return message  # type: ignore[return-value]
        # BLPOP's 0 waits for ever.
        wait = 0 if timeout is None else math.ceil(timeout)
        popped = self.client.blpop([self.queue], timeout=wait)
        if popped is None:
            raise TimedOutError(self.queue, wait)
        return popped[1]

    def put(self, message: Message, timeout: float | None = None) -> None:
        """Add ``message`` at the end of the queue.

        Args:
            message: The message: bytes are stored as they are, text as UTF-8 and numbers as
                their decimal text; :meth:`get` returns the stored bytes.
            timeout: Ignored (the list is never full); accepted so callers written for
                :class:`baseplate.message_queue.MessageQueue` work unchanged.

        Raises:
            redis.exceptions.DataError: ``message`` is of another type.

        .. versionadded:: 0.1.0
        """
        self.client.rpush(self.queue, message)

    def unlink(self) -> None:
        """Do nothing: a Redis list has no name apart from its data (see :meth:`close`).

        .. versionadded:: 0.1.0
        """

    def close(self) -> None:
        """Delete the queue and its messages from the server.

        A later :meth:`put` makes the queue again, so other users can go on using it.

        .. versionadded:: 0.1.0
        """
        self.client.delete(self.queue)
