"""The event publisher sidecar: posts the events applications queue to the event collector.

Applications put events on an :class:`~baseplate.events.EventQueue` named ``NAME``, the
POSIX queue ``/events-NAME``. This sidecar, one per host (or pod) and queue, reads that
queue, gathers events into batches and POSTs them to the collector::

    python -m baseplate.events.publisher --queue-name production config.ini
    python -m baseplate.sidecars.event_publisher --queue-name production config.ini
    baseplate-event-publisher --queue-name production config.ini      # all three the same

Its configuration is the ``[event-publisher:NAME]`` section:

.. code-block:: ini

    [event-publisher:production]
    ; the collector's host (and :port); batches go to <scheme>://<hostname>/v<version>
    collector.hostname = events.example.com
    ; optional: 1 (the default) for v1 JSON events, 2 for v2 Thrift JSON events; it must
    ; match the serializer of the applications' EventQueue
    collector.version = 1
    ; optional: https (the default) or http
    collector.scheme = https
    ; optional: the timeout of each POST (a span of time, or seconds); default 3 seconds
    collector.timeout = 3 seconds
    ; the key batches are signed with, and its base64-encoded secret
    key.name = MyKeyName
    key.secret = aHVudGVyMg==
    ; optional: the first pause after a failed POST and the longest (it doubles between);
    ; defaults 0.5 and 30 seconds
    retry.initial_delay = 500 milliseconds
    retry.max_delay = 30 seconds
    ; optional: the publisher's own metrics (see baseplate.metrics)
    metrics.namespace = event-publisher
    metrics.endpoint = localhost:8125

A batch is posted when the next event would take it over 500 KiB (uncompressed) or when its
first event is one second old. Each POST carries the batch gzipped, signed in the
``X-Signature`` header (``key=<key.name>, mac=<hex HMAC-SHA256 of the uncompressed body>``)
and dated. I/O errors, timeouts and 5xx (also 408 and 429) answers are retried with
exponential backoff for as long as it takes: while the collector is away the publisher holds
its one batch and reads no more, new events wait in the queue (10,000 of them; then the
applications' puts fail with :exc:`~baseplate.events.EventQueueFullError`), and nothing
taken from the queue is lost. A batch is posted again only when no answer came, so an
event reaches the collector twice only if the collector took a batch and then failed to
answer. A batch the collector refuses with another 4xx can never
succeed: it is logged with the collector's answer, counted in ``dropped`` and dropped.

On SIGTERM or SIGINT the publisher stops reading, makes one last attempt at the batch it
holds, and puts its events back on the queue if that fails, for the next publisher.
"""

from __future__ import annotations

import argparse
import configparser
import datetime
import logging
import sys
from collections.abc import Sequence
from types import FunctionType
from typing import Any

from baseplate import config, sidecar_kit
from baseplate.core import MetricsClient
from baseplate.message_queue import MessageQueue, MessageQueueError
from baseplate.metrics import metrics_client_from_config
from baseplate.sidecar_kit import BACKOFF_INITIAL, BACKOFF_MAX
from baseplate.sidecar_kit import Answer as Answer
from baseplate.sidecar_kit import Batch as Batch
from baseplate.sidecar_kit import BatchFull as BatchFull
from baseplate.sidecar_kit import Outcome as Outcome

from ._batch import MAX_BATCH_AGE, MAX_BATCH_SIZE, V1Batch, V2Batch
from ._collector import CollectorClient
from ._limits import MAX_EVENT_SIZE, MAX_QUEUE_SIZE, QUEUE_NAME_PREFIX
from ._relay import BatchPublisher, publish_events

__all__ = [
    "MAX_BATCH_AGE",
    "MAX_BATCH_SIZE",
    "BatchPublisher",
    "CollectorClient",
    "V1Batch",
    "V2Batch",
    "main",
    "parse_publisher_config",
    "publish_events",
]

for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):  # those defined here are None yet
        _public.__module__ = __name__
del _public

logger = logging.getLogger("baseplate.events.publisher")

POST_TIMEOUT_DEFAULT = 3.0
_BATCHES: dict[int, type[Batch]] = {1: V1Batch, 2: V2Batch}


def _hostname(text: str) -> str:
    if not text or "/" in text or text != text.strip():
        raise ValueError(
            f"expected a host name, optionally with :port, like 'events.example.com', got {text!r}"
        )
    return text


def _seconds(default: float) -> Any:
    return config.Optional(
        config.Positive(config.TimespanOrSeconds), default=datetime.timedelta(seconds=default)
    )


_SPEC: dict[str, Any] = {
    "collector": {
        "hostname": _hostname,
        "version": config.Optional(config.OneOf(**{"1": 1, "2": 2}), default=1),
        "scheme": config.Optional(config.OneOf(https="https", http="http"), default="https"),
        "timeout": _seconds(POST_TIMEOUT_DEFAULT),
    },
    "key": {"name": config.String, "secret": config.Base64},
    "retry": {"initial_delay": _seconds(BACKOFF_INITIAL), "max_delay": _seconds(BACKOFF_MAX)},
}


def parse_publisher_config(raw_config: config.RawConfig) -> config.ConfigNamespace:
    """Parse an ``[event-publisher:NAME]`` section (the ``metrics.*`` keys are not read here).

    Args:
        raw_config: The section's keys and values.

    Returns:
        A namespace with ``collector.hostname``, ``collector.version`` (1 or 2),
        ``collector.scheme``, ``collector.timeout``, ``key.name``, ``key.secret`` (the
        decoded bytes), ``retry.initial_delay`` and ``retry.max_delay`` (the times in
        seconds), and ``url``, where batches are posted.

    Raises:
        baseplate.config.ConfigurationError: naming the key that is missing or bad.

    .. versionadded:: 0.1.0
    """
    cfg = config.parse_config(raw_config, _SPEC)
    cfg.collector["timeout"] = cfg.collector.timeout.total_seconds()
    cfg.retry["initial_delay"] = cfg.retry.initial_delay.total_seconds()
    cfg.retry["max_delay"] = cfg.retry.max_delay.total_seconds()
    cfg["url"] = f"{cfg.collector.scheme}://{cfg.collector.hostname}/v{cfg.collector.version}"
    return cfg


def _metrics_client(raw: dict[str, str]) -> MetricsClient | None:
    metrics_keys = {key: value for key, value in raw.items() if key.startswith("metrics.")}
    if not metrics_keys:
        return None
    client: MetricsClient = metrics_client_from_config(metrics_keys)
    return client


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = sidecar_kit.argument_parser(
        "baseplate-event-publisher",
        "Read events from an event queue and post them to the event collector.",
        "event-publisher:NAME",
    )
    parser.add_argument(
        "--queue-name",
        default="main",
        help="the queue to read, /events-NAME, and the section to use (default: main)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the event publisher until SIGTERM or SIGINT; return the exit status.

    Args:
        argv: The command line's arguments (default: ``sys.argv[1:]``).

    Returns:
        0 after a signal stopped it; 1 if it could not start (the reason is logged).

    .. versionadded:: 0.1.0
    """
    args = _parse_args(argv)
    sidecar_kit.configure_logging(args.debug)
    try:
        raw = config.read_ini_section(args.config_file, f"event-publisher:{args.queue_name}")
        cfg = parse_publisher_config(raw)
        metrics = _metrics_client(raw)
        queue = MessageQueue(QUEUE_NAME_PREFIX + args.queue_name, MAX_QUEUE_SIZE, MAX_EVENT_SIZE)
    except (OSError, configparser.Error, config.ConfigurationError, MessageQueueError) as exc:
        logger.error("Cannot start the event publisher: %s", exc)
        return 1

    stop_event = sidecar_kit.stop_on_signals(logger)
    client = CollectorClient(cfg.url, cfg.key.name, cfg.key.secret, cfg.collector.timeout)
    publisher = BatchPublisher(
        client,
        metrics=metrics,
        stop_event=stop_event,
        backoff_initial=cfg.retry.initial_delay,
        backoff_max=cfg.retry.max_delay,
    )
    batch = _BATCHES[cfg.collector.version]()
    logger.info("Publishing events from %s to %s", queue.name, cfg.url)
    try:
        publish_events(queue, publisher, batch, stop_event)
    finally:
        client.close()
        queue.close()
    logger.info("Stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
