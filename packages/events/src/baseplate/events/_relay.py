"""The event publisher's relay: queued events gathered into batches and posted, never lost."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

from baseplate.core import MetricsClient
from baseplate.message_queue import MessageQueue, TimedOutError

from ._batch import Batch, BatchFull
from ._collector import CollectorClient, Outcome

logger = logging.getLogger("baseplate.events.publisher")

#: How long each wait on the queue for an event lasts, in seconds.
QUEUE_READ_TIMEOUT = 0.2
#: How long the publisher pauses each time it has emptied the queue, in seconds, so that a
#: busy application's events gather in the queue and are read many per wake-up.
DRAIN_PAUSE = 0.01
#: The first pause after a failed post, in seconds; it doubles after each failure ...
BACKOFF_INITIAL = 0.5
#: ... up to this many seconds.
BACKOFF_MAX = 30.0


class BatchPublisher:
    """Posts batches of events to the collector, retrying until the collector takes them.

    Transient failures -- I/O errors, timeouts, 5xx, 408 and 429 answers -- are retried with
    exponential backoff (``backoff_initial`` doubling up to ``backoff_max`` seconds) for as
    long as it takes, so a collector outage delays events but loses none. Any other answer
    (another 4xx, or a redirect, which is not followed) means the batch itself is refused
    and can never succeed: it is logged with the collector's response, counted and dropped.
    Retrying stops early only when ``stop_event`` is set (the sidecar is shutting down).

    Metrics, when a client is given: ``post`` (timer, each attempt), ``sent`` (events
    delivered), ``failed`` (failed attempts, also counted as ``error.http`` or ``error.io``),
    ``dropped`` (events of refused batches, or lost when shutting down).

    Args:
        client: The collector's client.
        metrics: A :class:`~baseplate.core.MetricsClient`, or ``None``.
        stop_event: Set to abandon retrying.
        backoff_initial: The first pause after a failure, in seconds.
        backoff_max: The longest pause, in seconds.
    """

    def __init__(
        self,
        client: CollectorClient,
        metrics: MetricsClient | None = None,
        stop_event: threading.Event | None = None,
        backoff_initial: float = BACKOFF_INITIAL,
        backoff_max: float = BACKOFF_MAX,
    ) -> None:
        self.client = client
        self.url = client.url
        self.metrics = metrics
        self.stop_event = stop_event or threading.Event()
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max

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
        self.increment("failed")
        if answer.error is not None:
            self.increment("error.io")
            logger.warning("Could not post %d event(s) to %s: %s", count, self.url, answer.error)
            return None
        self.increment("error.http")
        if answer.outcome is Outcome.TRANSIENT:
            logger.warning("Collector %s answered %d; will retry", self.url, answer.status)
            return None
        logger.error(
            "Collector %s refused a batch of %d event(s) with %d; dropping it. Response: %.1000s",
            self.url,
            count,
            answer.status,
            answer.text,
        )
        self.increment("dropped", count)
        return False

    def publish(self, body: bytes, count: int) -> bool | None:
        """Post one serialized batch of ``count`` events, retrying until it is delivered.

        Returns:
            True when the collector accepted the batch; False when it refused it (a 4xx);
            None when ``stop_event`` was set while retrying (the batch was not delivered).
        """
        delay = self.backoff_initial
        while True:
            outcome = self._attempt(body, count)
            if outcome is not None:
                return outcome
            if self.stop_event.wait(delay):
                return None
            delay = min(delay * 2, self.backoff_max)


def publish_events(
    queue: MessageQueue, publisher: BatchPublisher, batch: Batch, stop_event: threading.Event
) -> None:
    """Read events from ``queue`` and publish them in batches until ``stop_event`` is set.

    A batch is published when the next event does not fit or when its first event is
    ``batch.max_age`` seconds old. While a batch is being retried nothing more is read: new
    events wait in the queue, so the publisher's memory stays at one batch however long the
    collector is away. Each time the queue is found empty the publisher pauses for
    ``DRAIN_PAUSE`` before waiting on it again. When stopping, the batch held gets one more
    attempt; if that fails its events are put back on the queue, which outlives this
    process, for the next publisher (those that no longer fit are logged and counted in
    ``dropped``).
    """
    found_empty = False
    while not stop_event.is_set():
        timeout = 0.0
        if found_empty:
            stop_event.wait(DRAIN_PAUSE)
            timeout = QUEUE_READ_TIMEOUT
        try:
            message = queue.get(timeout=timeout)
            found_empty = False
        except TimedOutError:
            message = None
            found_empty = True
        if message is not None:
            try:
                batch.add(message)
            except BatchFull:
                _publish(queue, publisher, batch)
                batch.add(message)
        if batch.is_due():
            _publish(queue, publisher, batch)
    if len(batch):
        _publish(queue, publisher, batch)


def _publish(queue: MessageQueue, publisher: BatchPublisher, batch: Batch) -> None:
    """Publish and empty ``batch``; if stopping cut the retries short, requeue its events."""
    items = batch.items
    outcome = publisher.publish(batch.serialize(), len(items))
    batch.reset()
    if outcome is None:
        _requeue(queue, publisher, items)


def _requeue(queue: MessageQueue, publisher: BatchPublisher, items: list[bytes]) -> None:
    """Put undelivered events back on the queue for the next publisher, as many as fit."""
    returned = 0
    for item in items:
        try:
            queue.put(item, timeout=0)
        except TimedOutError:
            break
        returned += 1
    lost = len(items) - returned
    if lost:
        publisher.increment("dropped", lost)
    logger.warning(
        "Stopping while %s fails: %d undelivered event(s) put back on the queue for the "
        "next publisher, %d lost (the queue was full)",
        publisher.url,
        returned,
        lost,
    )
