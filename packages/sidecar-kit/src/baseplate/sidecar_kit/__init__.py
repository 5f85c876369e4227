"""What Baseplate's sidecars are built from, in one place instead of a copy in each.

The trace publisher, the event publisher, the secrets fetcher and the live-data watcher
(and the tracing remote recorder, which posts to a collector the way the trace publisher
does) share:

* :class:`CollectorClient`: POSTs to one collector URL over a keep-alive connection, every
  answer (an I/O error too) read as one :class:`Outcome` by :func:`classify`;
* :class:`Batch` and :class:`JSONArrayBatch`: serialized items gathered into one POST body,
  bounded in size and age;
* :class:`RetryingPoster`: a batch posted with backoff until the collector takes or refuses
  it;
* :func:`relay` and :func:`requeue`: a queue's messages read into batches, and put back
  when they could not be delivered;
* :func:`argument_parser`, :func:`configure_logging` and :func:`stop_on_signals`: the
  command line, the process's logging and its stopping on SIGTERM or SIGINT.

The name says what it is: a kit for sidecars. It is not ``baseplate.sidecars`` (plural),
the namespace level whose modules are the sidecars themselves under the names the original
framework gave them (``python -m baseplate.sidecars.event_publisher``); nothing here runs
on its own.

Example::

    import logging

    from baseplate.sidecar_kit import CollectorClient, RetryingPoster

    logger = logging.getLogger("my.sidecar")
    client = CollectorClient("http://collector:9411/api/v1/spans", 1.0, "my-sidecar/1")
    poster = RetryingPoster(client, noun="span", logger=logger)
    poster.publish(b"[]", 0)  # True once the collector has it
"""

from __future__ import annotations

from types import FunctionType

from baseplate.sidecar_kit._batch import (
    MAX_BATCH_AGE,
    MAX_BATCH_SIZE,
    Batch,
    BatchFull,
    JSONArrayBatch,
)
from baseplate.sidecar_kit._collector import Answer, CollectorClient, Outcome, classify
from baseplate.sidecar_kit._poster import BACKOFF_INITIAL, BACKOFF_MAX, Poster, RetryingPoster
from baseplate.sidecar_kit._process import (
    LOG_FORMAT,
    argument_parser,
    configure_logging,
    stop_on_signals,
)
from baseplate.sidecar_kit._relay import (
    DRAIN_PAUSE,
    QUEUE_READ_TIMEOUT,
    Queue,
    relay,
    requeue,
)

__all__ = [
    "BACKOFF_INITIAL",
    "BACKOFF_MAX",
    "DRAIN_PAUSE",
    "LOG_FORMAT",
    "MAX_BATCH_AGE",
    "MAX_BATCH_SIZE",
    "QUEUE_READ_TIMEOUT",
    "Answer",
    "Batch",
    "BatchFull",
    "CollectorClient",
    "JSONArrayBatch",
    "Outcome",
    "Poster",
    "Queue",
    "RetryingPoster",
    "argument_parser",
    "classify",
    "configure_logging",
    "relay",
    "requeue",
    "stop_on_signals",
]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
