"""The trace publisher sidecar: posts the spans applications queue to a Zipkin collector.

Applications configured with ``tracing.queue_name = NAME`` put each sampled span on the
POSIX queue ``/traces-NAME``. This sidecar, one per host (or pod), reads that queue,
gathers spans into batches and POSTs them to the collector::

    python -m baseplate.diagnostics.tracing.publisher config.ini --queue-name main
    baseplate-trace-publisher config.ini --queue-name main      # the same, as a script

Its configuration is the ``[trace-publisher:NAME]`` section:

.. code-block:: ini

    [trace-publisher:main]
    ; where the collector's v1 API is; batches go to <zipkin_api_url>/spans
    zipkin_api_url = http://zipkin.local:9411/api/v1
    ; optional: the timeout of each POST (a span of time, or seconds); default 3 seconds
    post_timeout = 3 seconds
    ; optional: the largest batch in bytes; default 512000 (500 KiB)
    max_batch_size = 512000
    ; optional: failed attempts at one batch before an error is logged; default 10
    retry_limit = 10
    ; optional: the publisher's own metrics (see baseplate.metrics)
    metrics.namespace = trace-publisher
    metrics.endpoint = localhost:8125

The ``metrics.*`` keys, when the section lacks them, are taken from the ``[app:APP_NAME]``
section (``--app-name``, default ``main``) if it has them. Metrics need baseplate-metrics,
the ``publisher`` extra (``pip install baseplate-tracing[publisher]``); without it, a
configuration with ``metrics.*`` keys stops the sidecar at startup with that advice.

A batch is posted when the next span does not fit in it or when it is one second old.
The publisher reads the queue until it is empty, then pauses for 10 ms (``DRAIN_PAUSE``)
before waiting on it again, so that a busy application's spans gather in the queue and are
read many per wake-up rather than one wake-up per span.
Transient failures (I/O errors, timeouts, 5xx, 408, 429) are retried with exponential
backoff for as long as it takes, so a collector outage delays spans but does not lose them.
While the publisher retries, new spans wait in the queue; it holds 10,000 spans, and once it
is full the applications drop new spans (each with a rate-limited warning) -- requests are
never slowed down. A batch the collector refuses with another 4xx (or a redirect, which is
not followed) can never succeed: it is logged, with the collector's response, and dropped.

On SIGTERM or SIGINT the publisher stops reading, makes one last attempt to post the batch
it holds, and exits; spans still in the queue stay there for the next publisher.
"""

from __future__ import annotations

import argparse
import configparser
import datetime
import importlib.metadata
import logging
import sys
import urllib.parse
from collections.abc import Sequence
from types import FunctionType
from typing import Any

from baseplate import config, sidecar_kit
from baseplate.core import MetricsClient, MissingDistributionError
from baseplate.message_queue import MessageQueue, MessageQueueError

from ._batch import MAX_BATCH_SIZE_DEFAULT, SpanBatch
from ._batch import BatchFull as BatchFull  # baseplate.sidecar_kit's, importable here too
from ._recorders import MAX_QUEUE_SIZE, MAX_SPAN_SIZE, QUEUE_NAME_PREFIX
from ._relay import DRAIN_PAUSE, ZipkinPublisher, publish_from_queue

__all__ = [
    "DRAIN_PAUSE",
    "MAX_BATCH_SIZE_DEFAULT",
    "SpanBatch",
    "ZipkinPublisher",
    "main",
    "parse_publisher_config",
    "publish_from_queue",
]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public

logger = logging.getLogger("baseplate.diagnostics.tracing.publisher")

#: What to install for the sidecar's own metrics.
_PUBLISHER_EXTRA = "baseplate-tracing[publisher]"
POST_TIMEOUT_DEFAULT = 3.0
RETRY_LIMIT_DEFAULT = 10
_MIN_BATCH_SIZE = MAX_SPAN_SIZE + 2


def _api_url(text: str) -> str:
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"expected an http:// or https:// URL like 'http://zipkin:9411/api/v1', got {text!r}"
        )
    return text


def _batch_size(text: str) -> int:
    value = config.Integer(text)
    if value < _MIN_BATCH_SIZE:
        raise ValueError(
            f"expected at least {_MIN_BATCH_SIZE} bytes (one span of the largest size plus "
            f"the brackets), got {text!r}"
        )
    return value


_SPEC: dict[str, Any] = {
    "zipkin_api_url": _api_url,
    "post_timeout": config.Optional(
        config.Positive(config.TimespanOrSeconds),
        default=datetime.timedelta(seconds=POST_TIMEOUT_DEFAULT),
    ),
    "max_batch_size": config.Optional(_batch_size, default=MAX_BATCH_SIZE_DEFAULT),
    "retry_limit": config.Optional(config.PositiveInteger, default=RETRY_LIMIT_DEFAULT),
}


def parse_publisher_config(raw_config: config.RawConfig) -> config.ConfigNamespace:
    """Parse a ``[trace-publisher:NAME]`` section (the ``metrics.*`` keys are not read here).

    Returns:
        A namespace with ``zipkin_api_url``, ``post_timeout`` (seconds), ``max_batch_size``
        and ``retry_limit``.

    Raises:
        baseplate.config.ConfigurationError: naming the key that is missing or bad.
    """
    cfg = config.parse_config(raw_config, _SPEC)
    cfg["post_timeout"] = cfg.post_timeout.total_seconds()
    return cfg


def _metrics_client(raw: dict[str, str], app: dict[str, str]) -> MetricsClient | None:
    """The sidecar's metrics client, if either section has ``metrics.*`` keys.

    Raises:
        baseplate.core.MissingDistributionError: if there are such keys but baseplate-metrics
            (the ``publisher`` extra) is not installed.
    """
    metrics_keys = {key: value for key, value in app.items() if key.startswith("metrics.")}
    metrics_keys.update({key: value for key, value in raw.items() if key.startswith("metrics.")})
    if not metrics_keys:
        return None
    try:
        from baseplate.metrics import metrics_client_from_config
    except ModuleNotFoundError as exc:
        if exc.name != "baseplate.metrics":
            raise  # installed, but something it imports is not
        raise MissingDistributionError(
            "The trace publisher's metrics (its metrics.* keys)", _PUBLISHER_EXTRA
        ) from exc
    client: MetricsClient = metrics_client_from_config(metrics_keys)
    return client


def _version() -> str:
    try:
        return importlib.metadata.version("baseplate-tracing")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = sidecar_kit.argument_parser(
        "baseplate-trace-publisher",
        "Read spans from a trace queue and post them to a Zipkin collector.",
        "trace-publisher:NAME",
    )
    parser.add_argument(
        "--queue-name",
        default="main",
        help="the queue to read, /traces-NAME, and the section to use (default: main)",
    )
    parser.add_argument(
        "--app-name",
        default="main",
        help="the [app:NAME] section to take metrics.* keys from if the publisher's "
        "section has none (default: main)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the trace publisher until SIGTERM or SIGINT; return the exit status."""
    args = _parse_args(argv)
    sidecar_kit.configure_logging(args.debug)
    try:
        raw = config.read_ini_section(args.config_file, f"trace-publisher:{args.queue_name}")
        app = config.read_ini_section(args.config_file, f"app:{args.app_name}", required=False)
        cfg = parse_publisher_config(raw)
        metrics = _metrics_client(raw, app)
        queue = MessageQueue(QUEUE_NAME_PREFIX + args.queue_name, MAX_QUEUE_SIZE, MAX_SPAN_SIZE)
    except (
        OSError,
        configparser.Error,
        config.ConfigurationError,
        MessageQueueError,
        MissingDistributionError,
    ) as exc:
        logger.error("Cannot start the trace publisher: %s", exc)
        return 1

    stop_event = sidecar_kit.stop_on_signals(logger)
    publisher = ZipkinPublisher(
        cfg.zipkin_api_url,
        post_timeout=cfg.post_timeout,
        retry_limit=cfg.retry_limit,
        metrics=metrics,
        stop_event=stop_event,
        user_agent=f"baseplate-trace-publisher/{_version()}",
    )
    batch = SpanBatch(max_size=cfg.max_batch_size)
    logger.info("Publishing spans from %s to %s", queue.name, publisher.url)
    try:
        publish_from_queue(queue, publisher, batch, stop_event)
    finally:
        queue.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
