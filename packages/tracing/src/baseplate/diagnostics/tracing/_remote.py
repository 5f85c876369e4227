"""The remote recorder: spans POSTed to a Zipkin-compatible collector by background workers."""

from __future__ import annotations

import atexit
import collections
import logging
import os
import threading
import time
import weakref

from baseplate.config import EndpointConfiguration, InternetAddress
from baseplate.core import WarningLimiter
from baseplate.sidecar_kit import Answer, CollectorClient, Outcome

from ._batch import MAX_BATCH_SIZE_DEFAULT, BatchFull, SpanBatch
from ._recorders import SPANS_DROPPED, Recorder
from ._zipkin import ZipkinSpan

logger = logging.getLogger("baseplate.diagnostics.tracing")

#: The most spans a worker takes from the queue at once.
MAX_SPANS_PER_BATCH = 500
#: The largest body one POST carries, in bytes: the trace publisher's default batch size. A
#: batch whose spans encode to more is sent in several POSTs.
MAX_POST_BYTES = MAX_BATCH_SIZE_DEFAULT


def _collector_address(endpoint: EndpointConfiguration | str) -> InternetAddress:
    if isinstance(endpoint, str):
        host, sep, port_text = endpoint.rpartition(":")
        if not sep or not host or not port_text.isdigit():
            raise ValueError(f"the trace collector endpoint must be host:port, got {endpoint!r}")
        return InternetAddress(host.strip("[]"), int(port_text))
    if isinstance(endpoint.address, str):
        raise ValueError(
            f"the trace collector endpoint must be host:port, not a UNIX socket: {endpoint!r}"
        )
    host, port = endpoint.address  # an InternetAddress, or any (host, port) pair
    return InternetAddress(host, port)


def _url(address: InternetAddress) -> str:
    host = f"[{address.host}]" if ":" in address.host else address.host
    return f"http://{host}:{address.port}{_SPANS_PATH}"


_SPANS_PATH = "/api/v1/spans"
_USER_AGENT = "baseplate-tracing"


def _positive(name: str, value: object, allow_float: bool = False) -> None:
    accepted = (int, float) if allow_float else (int,)
    if isinstance(value, bool) or not isinstance(value, accepted) or value <= 0:
        raise ValueError(
            f"{name} must be a positive {'number' if allow_float else 'int'}, got {value!r}"
        )


class RemoteRecorder(Recorder):
    """A recorder that POSTs batches of spans to a Zipkin-compatible collector over HTTP.

    The request path only appends the span to a bounded in-memory queue; background worker
    threads (greenlets under gevent) take batches of up to 500 spans, encode them as JSON
    arrays of at most 500 KiB (the trace publisher's default ``max_batch_size``; most
    batches fit in one) and POST them to ``http://<endpoint>/api/v1/spans``. A worker waits
    up to ``batch_interval`` seconds for a batch to fill before sending what it has.

    The application is never slowed down or failed by the collector:

    * when the queue is full (the collector is slow, down or unreachable), new spans are
      dropped, counted in :attr:`dropped`, and a warning is logged at most every 10 seconds;
    * each POST has a short timeout and is made once (a kept-alive connection that the
      collector closed while idle is replaced and the POST made again); unless the answer is
      a 2xx, the outcome is logged and the spans counted in :attr:`failed` -- there is no
      retry here, whatever the outcome (the sidecar publisher is the durable path); after a
      failure the worker pauses for ``batch_interval`` so that a dead collector does not
      cost the application CPU time.

    Workers start on the first span, not when the recorder is made, and a process forked
    from one that has them (e.g. an einhorn or gunicorn worker) starts its own on its first
    span, with an empty queue. The HTTP calls the workers make are not traced.

    Args:
        endpoint: The collector's ``host:port``, as a string or an
            :class:`~baseplate.config.EndpointConfiguration` (whose address may be an
            :class:`~baseplate.config.InternetAddress` or any ``(host, port)`` pair).
        num_workers: How many worker threads post concurrently.
        max_queue_size: How many spans may wait for a worker before new ones are dropped.
        batch_interval: The longest a worker waits for a batch to fill, in seconds.
        num_conns: The most connections to the collector at once: each worker keeps one
            keep-alive connection, and at most ``num_conns`` workers run.
        post_timeout: The timeout of each POST (connect and read), in seconds.

    Attributes:
        url: Where the spans are posted.
        num_workers, max_queue_size, batch_interval, num_conns, post_timeout: As given.

    Raises:
        ValueError: if the endpoint is not ``host:port`` or a number is not positive.
    """

    def __init__(
        self,
        endpoint: EndpointConfiguration | str,
        num_workers: int = 5,
        max_queue_size: int = 50_000,
        batch_interval: float = 0.5,
        num_conns: int = 100,
        post_timeout: float = 1.0,
    ) -> None:
        self.url = _url(_collector_address(endpoint))
        _positive("num_workers", num_workers)
        _positive("max_queue_size", max_queue_size)
        _positive("batch_interval", batch_interval, allow_float=True)
        _positive("num_conns", num_conns)
        _positive("post_timeout", post_timeout, allow_float=True)
        self.num_workers = num_workers
        self.max_queue_size = max_queue_size
        self.batch_interval = float(batch_interval)
        self.num_conns = num_conns
        self.post_timeout = float(post_timeout)
        self._drops = WarningLimiter(counted=SPANS_DROPPED)
        self._failures = WarningLimiter(counted=SPANS_DROPPED)
        self._sent = 0
        self._stopped = False
        self._reset()
        recorder_ref = weakref.ref(self)

        def reset_in_child() -> None:
            recorder = recorder_ref()
            if recorder is not None:
                recorder._reset()

        os.register_at_fork(after_in_child=reset_in_child)
        # Spans still queued when the process stops normally (after baseplate-serve's
        # graceful shutdown, say) are posted before it exits, within a bounded time.
        atexit.register(_shutdown_at_exit, recorder_ref)

    def _reset(self) -> None:
        # Fresh state: used at construction and in a forked child, where the parent's
        # threads do not exist and its lock may have been held at the time of the fork.
        self._lock = threading.Lock()
        self._work_ready = threading.Condition(self._lock)
        self._idle = threading.Condition(self._lock)
        self._spans: collections.deque[ZipkinSpan] = collections.deque()
        self._in_flight = 0
        self._flushing = 0
        self._workers: list[threading.Thread] = []
        self._stopping = threading.Event()

    @property
    def dropped(self) -> int:
        """How many spans were dropped because the queue was full (or after shutdown)."""
        return self._drops.total

    @property
    def failed(self) -> int:
        """How many spans were lost because their POST failed."""
        return self._failures.total

    @property
    def sent(self) -> int:
        """How many spans the collector accepted."""
        return self._sent

    @property
    def queued(self) -> int:
        """How many spans wait for a worker right now."""
        return len(self._spans)

    def send(self, span: ZipkinSpan) -> None:
        """Queue the span for a worker, or drop it if the queue is full. Never blocks.

        Appending to the queue needs no lock (a deque is safe to append to from any thread);
        the lock is taken only to start the workers or wake one: when spans start to wait,
        and when a full batch is ready.
        """
        spans = self._spans
        if len(spans) >= self.max_queue_size:
            self._drops.warn(
                logger,
                "Trace span queue is full (%d spans waiting for %s); span dropped",
                self.max_queue_size,
                self.url,
            )
            return
        spans.append(span)
        if self._stopped:
            # Shut down (perhaps while we appended): take the span back, unless a worker
            # already has it.
            try:
                spans.remove(span)
            except ValueError:
                return
            self._drops.warn(logger, "Span recorder for %s is shut down; span dropped", self.url)
            return
        waiting = len(spans)
        if waiting == 1 or waiting % MAX_SPANS_PER_BATCH == 0 or not self._workers:
            with self._lock:
                if not self._workers:
                    self._start_workers()
                self._work_ready.notify()

    def _start_workers(self) -> None:
        for number in range(min(self.num_workers, self.num_conns)):
            worker = threading.Thread(
                target=self._work,
                name=f"baseplate-trace-recorder-{number}",
                daemon=True,
            )
            self._workers.append(worker)
            worker.start()

    def _take_batch(self) -> list[ZipkinSpan] | None:
        with self._lock:
            while True:
                while not self._spans:
                    if self._stopped:
                        return None
                    # Spans are queued without the lock, so a wake-up can be missed when
                    # threads append at once: look again at least every batch_interval.
                    self._work_ready.wait(self.batch_interval)
                deadline = time.monotonic() + self.batch_interval
                while len(self._spans) < MAX_SPANS_PER_BATCH and not self._flushing:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or self._stopped:
                        break
                    self._work_ready.wait(remaining)
                if not self._spans:
                    # Several workers waited for the same spans and another one took them:
                    # go back to waiting rather than post an empty batch.
                    continue
                count = min(len(self._spans), MAX_SPANS_PER_BATCH)
                batch = [self._spans.popleft() for _ in range(count)]
                self._in_flight += 1
                return batch

    def _work(self) -> None:
        client = CollectorClient(self.url, self.post_timeout, _USER_AGENT)
        try:
            self._work_with(client)
        finally:
            client.close()

    def _work_with(self, client: CollectorClient) -> None:
        while True:
            batch = self._take_batch()
            if batch is None:
                return
            delivered = True
            try:
                delivered = self._post(client, batch)
            finally:
                with self._lock:
                    self._in_flight -= 1
                    if not self._spans and not self._in_flight:
                        self._idle.notify_all()
            if not delivered:
                # The collector is failing: pause rather than burn CPU (and the request
                # threads' share of the GIL) on attempts that fail too; meanwhile the queue
                # fills and new spans are dropped cheaply.
                self._stopping.wait(self.batch_interval)

    def _post(self, client: CollectorClient, batch: list[ZipkinSpan]) -> bool:
        """POST ``batch`` in bodies of at most :data:`MAX_POST_BYTES`; whether all arrived.

        After a failed POST the rest of the batch is not tried (the collector is failing):
        those spans are counted as failed along with the POST's own.
        """
        body = SpanBatch(MAX_POST_BYTES)
        unsent = len(batch)
        for span in batch:
            try:
                item = span.to_json()
            except Exception as exc:  # a bug in a span's data must not stop the worker
                self._failures.warn(logger, "Could not encode span %r: %r", span, exc)
                unsent -= 1
                continue
            try:
                body.add(item)
            except BatchFull:
                if not self._post_body(client, body, unsent):
                    return False
                unsent -= len(body)
                body.reset()
                body.add(item)
        return not len(body) or self._post_body(client, body, unsent)

    def _post_body(self, client: CollectorClient, body: SpanBatch, unsent: int) -> bool:
        """POST ``body`` once; unless it is sent, count ``unsent`` spans (its own and the
        rest) as lost, whatever the outcome."""
        try:
            answer = client.post(body.serialize())
        except Exception as exc:  # not an I/O error (those are answers), but the worker lives on
            answer = Answer(Outcome.TRANSIENT, 0, b"", exc)
        if answer.outcome is Outcome.SENT:
            with self._lock:
                self._sent += len(body)
            return True
        if answer.error is not None:
            self._failures.warn(
                logger,
                "Could not send %d span(s) to %s: %r",
                unsent,
                self.url,
                answer.error,
                count=unsent,
            )
            return False
        self._failures.warn(
            logger,
            "Trace collector %s answered %d to %d span(s): %.200s",
            self.url,
            answer.status,
            unsent,
            answer.text,
            count=unsent,
        )
        return False

    def flush(self, timeout: float | None = None) -> bool:
        """Send queued spans now and wait up to ``timeout`` seconds until all are posted.

        Returns:
            Whether the queue drained and no POST was still running when the call returned.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            self._flushing += 1
            self._work_ready.notify_all()
            try:
                while self._spans or self._in_flight:
                    if not self._workers:
                        return False
                    if deadline is None:
                        self._idle.wait()
                        continue
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    self._idle.wait(remaining)
                return True
            finally:
                self._flushing -= 1

    def shutdown(self, timeout: float | None = None) -> bool:
        """Stop accepting spans, send what is queued, and stop the workers.

        Waits up to ``timeout`` seconds (forever if ``None``) for the queue to drain and the
        workers to exit. Spans sent afterwards are dropped.

        Returns:
            Whether every queued span was posted and every worker exited in time.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            self._stopped = True
            self._stopping.set()
            self._work_ready.notify_all()
            workers = list(self._workers)
        drained = self.flush(timeout)
        for worker in workers:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            worker.join(remaining)
        return drained and not any(worker.is_alive() for worker in workers)

    def __repr__(self) -> str:
        return f"<RemoteRecorder {self.url}>"


#: How long the exit hook waits for queued spans to be posted.
EXIT_FLUSH_TIMEOUT = 2.0


def _shutdown_at_exit(reference: weakref.ref[RemoteRecorder]) -> None:
    recorder = reference()
    if recorder is not None and not recorder._stopped:
        recorder.shutdown(EXIT_FLUSH_TIMEOUT)
