"""Recorders: where finished spans go (nowhere, the log, memory, or the sidecar's queue).

The HTTP recorder, which needs background workers, lives in :mod:`._remote`.
"""

from __future__ import annotations

import abc
import collections
import json
import logging
from typing import Any

from baseplate.core import WarningLimiter
from baseplate.message_queue import MessageQueue, TimedOutError

from ._zipkin import ZipkinSpan

logger = logging.getLogger("baseplate.diagnostics.tracing")

#: The largest serialized span the sidecar queue carries, in bytes.
MAX_SPAN_SIZE = 102_400
#: How many spans the sidecar queue holds before applications start dropping spans.
MAX_QUEUE_SIZE = 10_000
#: The prefix of the sidecar's POSIX queue name: ``/traces-<queue_name>``.
QUEUE_NAME_PREFIX = "/traces-"

#: What the recorders' rate-limited warnings about lost spans count.
SPANS_DROPPED = "span(s) dropped"


class Recorder(abc.ABC):
    """Interface of a span recorder: it receives every finished, sampled span.

    :meth:`send` is called on the request's own greenlet or thread when a span finishes. It
    must return promptly and must never raise: a recorder that cannot keep up drops spans
    (and counts them) rather than slow down or fail the request. A recorder's own I/O is
    never traced.
    """

    @abc.abstractmethod
    def send(self, span: ZipkinSpan) -> None:
        """Record one finished span. Must not block and must not raise."""

    def flush(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds for the spans sent so far to be delivered.

        Returns:
            Whether everything was delivered (always true for recorders that deliver
            synchronously).
        """
        return True

    def shutdown(self, timeout: float | None = None) -> bool:
        """Deliver what is pending (up to ``timeout`` seconds) and release resources.

        Spans sent after shutdown are dropped.

        Returns:
            Whether everything pending was delivered.
        """
        return True


class NullRecorder(Recorder):
    """A recorder that discards every span."""

    def send(self, span: ZipkinSpan) -> None:
        """Discard the span."""


class LoggingRecorder(Recorder):
    """A recorder that logs each span's JSON at debug level.

    The logger is ``baseplate.diagnostics.tracing``. Useful in development, when no trace
    collector is configured. The span is only encoded when debug logging is enabled.
    """

    def send(self, span: ZipkinSpan) -> None:
        """Log the span at debug level."""
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("Span recording: %s", span.to_json().decode("ascii"))


class InMemoryRecorder(Recorder):
    """A recorder that keeps spans in memory, as JSON, for tests and benchmarks.

    Spans are encoded exactly as :class:`SidecarRecorder` encodes them, so a test sees what a
    collector would receive. Beyond ``max_spans`` new spans are dropped and counted.

    Args:
        max_spans: How many spans to keep.
    """

    def __init__(self, max_spans: int = 10_000) -> None:
        if isinstance(max_spans, bool) or not isinstance(max_spans, int) or max_spans < 1:
            raise ValueError(f"max_spans must be a positive int, got {max_spans!r}")
        self._max_spans = max_spans
        self._serialized: collections.deque[bytes] = collections.deque()
        self._drops = WarningLimiter(counted=SPANS_DROPPED)

    def send(self, span: ZipkinSpan) -> None:
        """Encode the span and keep it, or drop it when ``max_spans`` are already kept."""
        if len(self._serialized) >= self._max_spans:
            self._drops.warn(logger, "In-memory span recorder is full; span dropped")
            return
        self._serialized.append(span.to_json())

    @property
    def serialized(self) -> list[bytes]:
        """The kept spans, each as the JSON bytes a collector would receive."""
        return list(self._serialized)

    @property
    def spans(self) -> list[dict[str, Any]]:
        """The kept spans, decoded again from their JSON."""
        return [json.loads(data) for data in self._serialized]

    @property
    def dropped(self) -> int:
        """How many spans were dropped because the recorder was full."""
        return self._drops.total

    def clear(self) -> None:
        """Forget the kept spans."""
        self._serialized.clear()


class SidecarRecorder(Recorder):
    """A recorder that hands spans to the trace publisher sidecar through a POSIX queue.

    The queue is ``/traces-<queue_name>``; it is opened (and created if needed) when the
    recorder is made, so a host that cannot provide it fails at startup rather than during
    requests. Each span is encoded as JSON and put on the queue with a single, non-blocking
    attempt. The request never waits and never sees an error:

    * a span larger than the queue's message size is sent without its tags (keeping the
      error, debug and local-component annotations, and tagged ``truncated``) with a
      warning, or dropped with a warning if it is still too large;
    * when the queue is full -- the sidecar is down or slower than the application -- the
      span is dropped with a warning asking whether the sidecar is healthy;
    * any other queue error is logged and the span dropped.

    Warnings are rate-limited; :attr:`dropped` counts every dropped span.

    Args:
        queue_name: The name the sidecar was started with (``--queue-name``).
        max_messages: How many spans the queue holds, if this creates it.
        max_message_size: The largest span in bytes, if this creates the queue. The publisher
            opens the queue with the same defaults; whichever side creates it decides.

    Raises:
        baseplate.message_queue.MessageQueueError: if the queue cannot be opened, e.g. when
            the limits exceed the system's (see :mod:`baseplate.message_queue`).
    """

    def __init__(
        self,
        queue_name: str,
        max_messages: int = MAX_QUEUE_SIZE,
        max_message_size: int = MAX_SPAN_SIZE,
    ) -> None:
        self.queue = MessageQueue(QUEUE_NAME_PREFIX + queue_name, max_messages, max_message_size)
        self._drops = WarningLimiter(counted=SPANS_DROPPED)
        self._shrinks = WarningLimiter(counted="span(s) sent without tags")
        self._closed = False

    @property
    def dropped(self) -> int:
        """How many spans were dropped (too large, queue full or queue error)."""
        return self._drops.total

    def send(self, span: ZipkinSpan) -> None:
        """Put the span on the queue without waiting; drop it if that is not possible."""
        if self._closed:
            self._drops.warn(
                logger, "Span recorder for %s is shut down; span dropped", self.queue.name
            )
            return
        try:
            data = span.to_json()
        except Exception as exc:
            name = getattr(span, "name", None)
            self._drops.warn(
                logger, "Span %r could not be encoded as JSON (%r); dropped", name, exc
            )
            return
        max_size = self.queue.max_message_size
        if len(data) > max_size:
            # Keep the span's timing and outcome: send it without its other tags.
            size = len(data)
            data = span.without_tags().to_json()
            if len(data) > max_size:
                self._drops.warn(
                    logger,
                    "Span %r is %d bytes even without its tags, more than the trace queue %s "
                    "accepts (%d bytes); dropped",
                    span.name,
                    len(data),
                    self.queue.name,
                    max_size,
                )
                return
            self._shrinks.warn(
                logger,
                "Span %r was %d bytes, more than the trace queue %s accepts (%d bytes); "
                "sent without its tags, tagged truncated",
                span.name,
                size,
                self.queue.name,
                max_size,
            )
        try:
            self.queue.put(data, timeout=0)
        except TimedOutError:
            self._drops.warn(
                logger,
                "Trace queue %s is full; span dropped. Is the trace publisher sidecar healthy?",
                self.queue.name,
            )
        except Exception as exc:
            self._drops.warn(
                logger, "Could not put span on trace queue %s (%r)", self.queue.name, exc
            )

    def shutdown(self, timeout: float | None = None) -> bool:
        """Close this process's handle on the queue (the queue itself stays for the sidecar)."""
        self._closed = True
        self.queue.close()
        return True
