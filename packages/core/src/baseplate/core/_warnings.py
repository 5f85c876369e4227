"""Rate-limited warnings for trouble that can repeat on every request."""

from __future__ import annotations

import logging
import threading
import time

#: The default least time between two warnings from one :class:`WarningLimiter`, in seconds.
WARNING_INTERVAL = 10.0


class WarningLimiter:
    """Counts occurrences of one kind of trouble and says when to warn about them.

    A failure on a hot path (a full queue, a statsd server that is down) can happen on every
    request; logging each one would flood the log and slow the service down. A limiter
    counts every occurrence but lets a warning through at most once every ``interval``
    seconds, and each warning carries the number of occurrences since the previous one, so
    nothing goes unreported. The first occurrence is always warned about.

    There are two ways to use it. :meth:`count` only counts, and returns how many
    occurrences the caller should report now (or 0), for callers that word the number into
    their own message. :meth:`warn` counts and logs the caller's message with ``" (N
    <counted> since the last warning)"`` appended.

    Thread-safe: counting takes a lock, held only for a few additions and a clock read. The
    message is formatted and logged outside the lock, and only when a warning is due.

    Args:
        interval: The least time between two warnings, in seconds (0 warns every time).
        counted: What is counted, as :meth:`warn` words it, e.g. ``"span(s) dropped"``.

    Attributes:
        interval: The least time between two warnings, in seconds.

    Raises:
        ValueError: if ``interval`` is negative.

    Example::

        drops = WarningLimiter(counted="item(s) dropped")
        if queue_is_full:
            drops.warn(logger, "Queue %s is full; item dropped", queue_name)

    .. versionadded:: 0.1.0
    """

    __slots__ = (
        "_counted",
        "_lock",
        "_next_warning",
        "_suffix",
        "_total",
        "_unreported",
        "interval",
    )

    def __init__(self, interval: float = WARNING_INTERVAL, counted: str = "occurrence(s)") -> None:
        if not interval >= 0:
            raise ValueError(f"interval must be zero or more seconds, got {interval!r}")
        self.interval = interval
        self._counted = counted
        self._suffix = " (%d " + counted.replace("%", "%%") + " since the last warning)"
        self._lock = threading.Lock()
        self._total = 0
        self._unreported = 0
        self._next_warning = 0.0

    def __repr__(self) -> str:
        return f"<WarningLimiter {self._counted!r} total={self._total} interval={self.interval}>"

    @property
    def counted(self) -> str:
        """What is counted, as :meth:`warn` words it."""
        return self._counted

    @property
    def total(self) -> int:
        """Every occurrence counted so far."""
        return self._total

    def count(self, occurrences: int = 1) -> int:
        """Count ``occurrences`` more, and say whether a warning is due.

        Args:
            occurrences: How many occurred (a batch of dropped items counts its size).

        Returns:
            How many occurred since the last warning, these included, when a warning is due
            now; otherwise 0 (the occurrences are carried into the next warning).
        """
        with self._lock:
            self._total += occurrences
            self._unreported += occurrences
            now = time.monotonic()
            if now < self._next_warning:
                return 0
            self._next_warning = now + self.interval
            due, self._unreported = self._unreported, 0
        return due

    def warn(self, logger: logging.Logger, message: str, *args: object, count: int = 1) -> int:
        """Count ``count`` occurrences and, when due, log ``message % args`` as a warning.

        The warning ends with ``" (N <counted> since the last warning)"``, N being the value
        :meth:`count` returned.

        Args:
            logger: Where the warning goes.
            message: A :mod:`logging` format string for this occurrence.
            args: Its arguments.
            count: How many occurrences this one stands for.

        Returns:
            How many occurrences the warning reported, or 0 if none was logged.
        """
        due = self.count(count)
        if due:
            logger.warning(message + self._suffix, *args, due)
        return due
