"""The event publisher's relay: queued events gathered into batches and posted, never lost."""

from __future__ import annotations

import logging
import threading

from baseplate.core import MetricsClient
from baseplate.message_queue import MessageQueue, TimedOutError
from baseplate.sidecar_kit import BACKOFF_INITIAL, BACKOFF_MAX, RetryingPoster, relay

from ._batch import Batch
from ._collector import CollectorClient

logger = logging.getLogger("baseplate.events.publisher")


class BatchPublisher(RetryingPoster):
    """Posts batches of events to the collector, retrying until the collector takes them.

    Transient failures -- I/O errors, timeouts, 5xx, 408 and 429 answers -- are retried with
    exponential backoff (``backoff_initial`` doubling up to ``backoff_max`` seconds) for as
    long as it takes, so a collector outage delays events but loses none. Any other answer
    (another 4xx, or a redirect, which is not followed) means the batch itself is refused
    and can never succeed: it is logged with the collector's response, counted and dropped.
    Retrying stops early only when ``stop_event`` is set (the sidecar is shutting down).
    This is :class:`baseplate.sidecar_kit.RetryingPoster`'s policy.

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
        super().__init__(
            client,
            "event",
            logger,
            metrics=metrics,
            stop_event=stop_event,
            backoff_initial=backoff_initial,
            backoff_max=backoff_max,
            count_failures=True,
        )


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
    relay(queue, batch, lambda: _publish(queue, publisher, batch), stop_event, TimedOutError)


def _publish(queue: MessageQueue, publisher: BatchPublisher, batch: Batch) -> None:
    """Publish and empty ``batch``; if stopping cut the retries short, requeue its events."""
    items = batch.items
    outcome = publisher.publish(batch.serialize(), len(items))
    batch.reset()
    if outcome is None:
        publisher.put_back(queue, items, TimedOutError)
