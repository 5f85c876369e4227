"""The limits of the POSIX queue between applications and the event publisher sidecar."""

from __future__ import annotations

#: The largest serialized event in bytes, the size of the queue's messages.
MAX_EVENT_SIZE = 102400
#: How many events the queue holds while the publisher catches up.
MAX_QUEUE_SIZE = 10000
#: The POSIX queue of the events named ``NAME`` is ``/events-NAME``.
QUEUE_NAME_PREFIX = "/events-"
