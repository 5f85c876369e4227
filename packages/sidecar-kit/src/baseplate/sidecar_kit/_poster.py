"""Posting one batch until the collector takes it: the sidecars' retry policy."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator, Sequence
from typing import Protocol

from baseplate.core import MetricsClient

from ._collector import Answer, Outcome
from ._relay import Queue, requeue

#: The first pause after a failed post, in seconds; it doubles after each failure ...
BACKOFF_INITIAL = 0.5
#: ... up to this many seconds.
BACKOFF_MAX = 30.0


class Poster(Protocol):
    """What :class:`RetryingPoster` posts through (a :class:`CollectorClient`, or one that
    wraps it to sign or compress each body).

    .. versionadded:: 0.1.0
    """

    url: str

    def post(self, body: bytes) -> Answer:
        """POST ``body``; an I/O error is an answer too, never an exception."""


class RetryingPoster:
    """Posts batches to a collector, retrying each until the collector takes or refuses it.

    Transient failures -- I/O errors, timeouts, 5xx, 408 and 429 answers -- are retried with
    exponential backoff (``backoff_initial`` doubling up to ``backoff_max`` seconds) for as
    long as it takes, so a collector outage delays a batch but does not lose it. After
    ``retry_limit`` failed attempts at one batch an error is logged (and retrying goes on).
    Any other answer (another 4xx, or a redirect, which is not followed) means the batch
    itself is refused and can never succeed: it is logged with the collector's response,
    counted and dropped. Retrying stops early only when ``stop_event`` is set (the sidecar
    is shutting down).

    Metrics, when a client is given: ``post`` (timer, each attempt), ``sent`` (items
    delivered), ``failed`` (failed attempts, when ``count_failures``), ``error.http`` and
    ``error.io`` (failed attempts by kind), ``dropped`` (items of refused batches).

    Args:
        client: What posts each attempt.
        noun: What a batch holds, in the singular (``"span"``), for the log messages.
        logger: Where to log failures.
        metrics: A :class:`~baseplate.core.MetricsClient`, or ``None``.
        stop_event: Set to abandon retrying.
        backoff_initial: The first pause after a failure, in seconds.
        backoff_max: The longest pause, in seconds.
        retry_limit: How many failed attempts at one batch before an error is logged;
            ``None`` logs no such error.
        count_failures: Whether to count each failed attempt in ``failed`` too.
        stopping: How :meth:`put_back`'s log line begins (``"Stopping"``).
        stopping_level: The level it is logged at.

    Attributes:
        client: As given.
        url: The client's URL.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        client: Poster,
        noun: str,
        logger: logging.Logger,
        metrics: MetricsClient | None = None,
        stop_event: threading.Event | None = None,
        backoff_initial: float = BACKOFF_INITIAL,
        backoff_max: float = BACKOFF_MAX,
        retry_limit: int | None = None,
        count_failures: bool = False,
        stopping: str = "Stopping",
        stopping_level: int = logging.WARNING,
    ) -> None:
        self.client = client
        self.url = client.url
        self.metrics = metrics
        self.stop_event = stop_event or threading.Event()
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.retry_limit = retry_limit
        self._logger = logger
        self._count_failures = count_failures
        self._could_not_post = f"Could not post %d {noun}(s) to %s: %s"
        self._refused = (
            f"Collector %s refused a batch of %d {noun}(s) with %d; dropping it. Response: %.1000s"
        )
        self._stopping_level = stopping_level
        self._put_back = (
            f"{stopping} while %s fails: %d undelivered {noun}(s) put back on the queue for "
            "the next publisher, %d lost (the queue was full)"
        )
        self._still_failing = (
            f"Posting %d {noun}(s) to %s has failed %d times; still retrying. Meanwhile "
            f"{noun}s wait in the queue, and applications drop new {noun}s once it is full."
        )

    def increment(self, name: str, delta: int = 1) -> None:
        """Add ``delta`` to the counter ``name``, if metrics are configured."""
        if self.metrics is not None:
            self.metrics.counter(name).increment(delta)

    @contextlib.contextmanager
    def _timed(self) -> Iterator[None]:
        if self.metrics is None:
            yield
        else:
            with self.metrics.timer("post"):
                yield

    def _attempt(self, body: bytes, count: int) -> bool | None:
        """Post once: True when delivered, False when refused for good, None to retry."""
        with self._timed():
            answer = self.client.post(body)
        if answer.outcome is Outcome.SENT:
            self.increment("sent", count)
            return True
        if self._count_failures:
            self.increment("failed")
        if answer.error is not None:
            self.increment("error.io")
            self._logger.warning(self._could_not_post, count, self.url, answer.error)
            return None
        self.increment("error.http")
        if answer.outcome is Outcome.TRANSIENT:
            self._logger.warning("Collector %s answered %d; will retry", self.url, answer.status)
            return None
        self._logger.error(self._refused, self.url, count, answer.status, answer.text)
        self.increment("dropped", count)
        return False

    def publish(self, body: bytes, count: int) -> bool | None:
        """Post one serialized batch of ``count`` items, retrying until it is delivered.

        Returns:
            True when the collector accepted the batch; False when it refused it (a 4xx);
            None when ``stop_event`` was set while retrying (the batch was not delivered).
        """
        attempts = 0
        delay = self.backoff_initial
        while True:
            outcome = self._attempt(body, count)
            if outcome is not None:
                return outcome
            attempts += 1
            if attempts == self.retry_limit:
                self._logger.error(self._still_failing, count, self.url, attempts)
            if self.stop_event.wait(delay):
                return None
            delay = min(delay * 2, self.backoff_max)

    def put_back(self, queue: Queue, items: Sequence[bytes], timed_out: type[Exception]) -> None:
        """Put a batch that stopping cut short back on ``queue`` for the next publisher.

        As many items as fit go back (see :func:`requeue`); the rest are counted in
        ``dropped``. One line is logged, with how many went back and how many were lost.

        Args:
            queue: The queue the items came from, which outlives this process.
            items: The undelivered items.
            timed_out: The exception ``queue`` raises when it is full.
        """
        returned = requeue(queue, items, timed_out)
        lost = len(items) - returned
        if lost:
            self.increment("dropped", lost)
        self._logger.log(self._stopping_level, self._put_back, self.url, returned, lost)
