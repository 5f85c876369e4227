"""The metrics observer's measurements, kept raw until a BufferedTransport's worker flushes."""

from __future__ import annotations

import collections
import logging

from baseplate.core import WarningLimiter

from ._buffered import BufferedTransport
from ._instruments import Measurement, timer_line

logger = logging.getLogger("baseplate.metrics")

#: Measurements kept for the worker before a request wakes it ahead of its interval.
_EARLY_FLUSH_RECORDS = 4_096
#: The most measurements kept for the worker; past this (the worker cannot run), the kept
#: ones are dropped, counted and warned about.
MAX_PENDING_RECORDS = 200_000


class MeasurementAggregator:
    """The measurements of every request, kept raw until the background worker flushes.

    A pending source of the client's :class:`BufferedTransport` (see
    :meth:`BufferedTransport.add_source`). At each flush the worker turns the timings into
    timer lines, in the order they were recorded, and sums the counters into one line per
    name (``server.greet.success:1500|c``): a statsd server adds up a counter's increments
    over its flush interval anyway, so the totals are the same, for fewer lines.

    The span observers append to :attr:`records` directly; appending to a deque is safe from
    any thread. Requests call :meth:`check` when the records reach :attr:`check_at`: the
    first one starts the worker, and every ``_EARLY_FLUSH_RECORDS`` more wake it ahead of its
    interval.
    """

    def __init__(self, transport: BufferedTransport) -> None:
        self.records: collections.deque[Measurement] = collections.deque()
        self.check_at = 1
        self._transport = transport
        self._drops = WarningLimiter()
        transport.add_source(self)

    @property
    def dropped(self) -> int:
        """How many measurements were dropped because the worker fell behind."""
        return self._drops.total

    def check(self) -> None:
        """Start or wake the worker; drop what is kept if the worker has fallen far behind."""
        records = self.records
        kept = len(records)
        if kept > MAX_PENDING_RECORDS:
            records.clear()
            dropped = self._drops.count(kept)
            if dropped:
                logger.warning(
                    "Dropped %d request measurements: more than %d were waiting to be sent; "
                    "is the event loop blocked?",
                    dropped,
                    MAX_PENDING_RECORDS,
                )
            kept = 0
        self.check_at = kept + _EARLY_FLUSH_RECORDS
        self._transport.wake()

    def drain(self) -> bytes:
        """Format and forget what was recorded so far (called by the worker)."""
        records = self.records
        popleft = records.popleft
        lines = []
        counts: dict[str, int] = {}
        try:
            for _ in range(len(records)):
                timer, seconds, counter = popleft()
                if timer is not None:
                    lines.append(timer_line(timer, seconds))
                if counter is not None:
                    counts[counter] = counts.get(counter, 0) + 1
        except IndexError:  # emptied meanwhile by check() on another thread
            pass
        self.check_at = _EARLY_FLUSH_RECORDS
        lines.extend(f"{name}:{count}|c" for name, count in counts.items())
        return "\n".join(lines).encode("ascii")

    def clear(self) -> None:
        """Forget what was recorded (in a child process after a fork)."""
        self.records.clear()
        self.check_at = 1
