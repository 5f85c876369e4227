"""The trace publisher's relay: queued spans gathered into batches and posted to the collector."""

from __future__ import annotations

import json
import logging
import threading

from baseplate.core import MetricsClient
from baseplate.message_queue import MessageQueue, TimedOutError
from baseplate.sidecar_kit import (
    BACKOFF_INITIAL,
    BACKOFF_MAX,
    DRAIN_PAUSE,
    QUEUE_READ_TIMEOUT,
    CollectorClient,
    RetryingPoster,
    relay,
)

from ._batch import SpanBatch

logger = logging.getLogger("baseplate.diagnostics.tracing.publisher")

__all__ = ["DRAIN_PAUSE", "QUEUE_READ_TIMEOUT", "ZipkinPublisher", "publish_from_queue"]


class ZipkinPublisher(RetryingPoster):
    """Posts batches of spans to a Zipkin-compatible collector, retrying until it succeeds.

    Each batch is POSTed to ``<api_url>/spans`` over one keep-alive connection. Transient
    failures -- I/O errors, timeouts, 5xx, 408 and 429 answers -- are retried with
    exponential backoff (``backoff_initial`` doubling up to ``backoff_max`` seconds) for as
    long as it takes: a collector outage delays spans but does not lose them. After
    ``retry_limit`` failed attempts at one batch the publisher logs an error (and keeps
    trying). Any other answer (another 4xx, or a redirect, which is not followed) means the
    batch itself is refused and can never succeed: the response is logged and the batch
    dropped. This is :class:`baseplate.sidecar_kit.RetryingPoster`'s policy.

    Retrying stops early only when ``stop_event`` is set (the sidecar is shutting down).

    Metrics, when a client is given: ``post`` (timer, each attempt), ``sent`` (spans
    delivered), ``error.http`` and ``error.io`` (failed attempts), ``dropped`` (spans in
    refused batches).

    Args:
        api_url: The collector's API root, e.g. ``http://zipkin:9411/api/v1``; credentials
            in it (``https://user:password@zipkin/api/v1``) are sent as basic authentication.
        post_timeout: The timeout of each POST, in seconds.
        retry_limit: How many failed attempts at one batch before an error is logged.
        metrics: A :class:`~baseplate.core.MetricsClient` (a :class:`baseplate.metrics.Client`),
            or ``None``.
        stop_event: Set to abandon retrying.
        backoff_initial: The first pause after a failure, in seconds.
        backoff_max: The longest pause, in seconds.
        user_agent: The ``User-Agent`` header.

    Raises:
        ValueError: if ``api_url`` is not an ``http://`` or ``https://`` URL with a host.
    """

    def __init__(
        self,
        api_url: str,
        post_timeout: float,
        retry_limit: int,
        metrics: MetricsClient | None = None,
        stop_event: threading.Event | None = None,
        backoff_initial: float = BACKOFF_INITIAL,
        backoff_max: float = BACKOFF_MAX,
        user_agent: str = "baseplate-trace-publisher",
    ) -> None:
        client = CollectorClient(api_url.rstrip("/") + "/spans", post_timeout, user_agent)
        super().__init__(
            client,
            "span",
            logger,
            metrics=metrics,
            stop_event=stop_event,
            backoff_initial=backoff_initial,
            backoff_max=backoff_max,
            retry_limit=retry_limit,
            stopping="Shutting down",
            stopping_level=logging.ERROR,
        )
        self.client: CollectorClient = client
        self.post_timeout = post_timeout


def _is_json_object(message: bytes) -> bool:
    try:
        return isinstance(json.loads(message), dict)
    except ValueError:
        return False


def _looks_like_json_object(message: bytes) -> bool:
    """The cheap check every message gets: braces at both ends.

    Parsing each span costs more than everything else the publisher does with it (about
    14 us of a 520-byte span here), and applications only ever write JSON objects; a
    message that passes this check but is not one is found when the collector refuses its
    batch (see :func:`_publish`).
    """
    return message[:1] == b"{" and message[-1:] == b"}"


def _drop_invalid(publisher: ZipkinPublisher, message: bytes) -> None:
    logger.warning("Dropping a queue message that is not a JSON object: %.200r", message)
    publisher.increment("error.invalid")


def publish_from_queue(
    queue: MessageQueue,
    publisher: ZipkinPublisher,
    batch: SpanBatch,
    stop_event: threading.Event,
) -> None:
    """Read spans from ``queue`` and publish them in batches until ``stop_event`` is set.

    A batch is published when the next span does not fit or when its first span is
    ``batch.max_age`` seconds old. Each time the queue is found empty the publisher pauses
    for ``DRAIN_PAUSE`` (10 ms) before waiting on it again. Messages that are not JSON
    objects are dropped with a warning, so that they cannot make the collector refuse a
    whole batch: those without braces at both ends at once, and any other when the
    collector has refused a batch (its spans are then parsed, the bad ones dropped, and the
    rest posted again). When stopping, what is left in the batch gets one more attempt; if
    the collector is failing then, the batch's spans are put back on the queue, which
    outlives this process, for the next publisher to deliver (those that no longer fit are
    counted in ``dropped`` and logged).
    """

    def accept(message: bytes) -> bool:
        if _looks_like_json_object(message):
            return True
        _drop_invalid(publisher, message)
        return False

    relay(
        queue, batch, lambda: _publish(queue, publisher, batch), stop_event, TimedOutError, accept
    )


def _publish(queue: MessageQueue, publisher: ZipkinPublisher, batch: SpanBatch) -> None:
    """Publish and empty ``batch``.

    If the collector refused it and some of its spans are not JSON objects, those are
    dropped and the others posted once more (they count in ``dropped`` for the refused
    batch and in ``sent`` if they then arrive). If stopping cut the retries short, the spans
    go back on the queue.
    """
    items = batch.items
    outcome = publisher.publish(batch.serialize(), len(batch))
    batch.reset()
    if outcome is False:
        valid: list[bytes] = []
        for item in items:
            if _is_json_object(item):
                valid.append(item)
            else:
                _drop_invalid(publisher, item)
        if len(valid) in (0, len(items)):
            return
        logger.warning("Posting the other %d span(s) of the refused batch again", len(valid))
        items = valid
        for item in items:  # a part of what fitted before: fits again
            batch.add(item)
        outcome = publisher.publish(batch.serialize(), len(batch))
        batch.reset()
    if outcome is None:
        publisher.put_back(queue, items, TimedOutError)
