"""A gevent-friendly POSIX message queue.

POSIX message queues carry messages between processes on one host; Baseplate uses them to
hand spans and events from application processes to the sidecar that publishes them. This
module is a thin wrapper around :mod:`posix_ipc` whose waits cooperate with gevent (and work
without it too).

Queues are Linux-specific in practice and subject to system limits: the ``fs.mqueue.msg_max``
and ``fs.mqueue.msgsize_max`` sysctls cap how many messages a queue can hold and how large each
may be (10 and 8192 by default), and the ``msgqueue`` resource limit (``ulimit -q``) caps the
memory all of a user's queues may take.

Example::

    from baseplate.message_queue import MessageQueue, TimedOutError

    queue = MessageQueue("/my-queue", max_messages=10, max_message_size=1024)
    queue.put(b"hello", timeout=0)
    assert queue.get(timeout=1) == b"hello"
    queue.close()

The module is also a command-line tool; see ``python -m baseplate.message_queue --help``.
"""

from __future__ import annotations

from types import FunctionType

from baseplate.message_queue._errors import (
    InvalidParametersError,
    MessageQueueError,
    MessageQueueOSError,
    MessageTooLargeError,
    TimedOutError,
)
from baseplate.message_queue._queue import MessageQueue

__all__ = [
    "InvalidParametersError",
    "MessageQueue",
    "MessageQueueError",
    "MessageQueueOSError",
    "MessageTooLargeError",
    "TimedOutError",
]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
