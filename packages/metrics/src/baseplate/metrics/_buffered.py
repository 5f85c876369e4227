"""A transport that takes sending off the request path: payloads are coalesced and sent by a
background worker."""

from __future__ import annotations

import atexit
import collections
import logging
import os
import threading
import weakref
from typing import Protocol

from baseplate.core import WarningLimiter

from ._transport import DatagramTransport

logger = logging.getLogger("baseplate.metrics")

#: How many payloads may wait for the worker before new ones are dropped.
DEFAULT_MAX_PENDING = 100_000
#: How many waiting payloads wake the worker before its interval is up.
_EARLY_FLUSH = 1_000


class PendingSource(Protocol):
    """Something that keeps metrics of its own for a :class:`BufferedTransport` to send.

    The metrics observer is one: it keeps raw timings and counts and turns them into statsd
    lines only when the worker flushes (see :meth:`BufferedTransport.add_source`). Both
    methods are called by the transport, never on a request's path, and must not raise.

    .. versionadded:: 0.1.0
    """

    def drain(self) -> bytes:
        """Return the lines kept since the last call, joined by newlines, and forget them.

        Called by every flush, on the worker (or the thread that called ``flush``).

        Returns:
            The ASCII statsd lines, or ``b""`` when nothing was kept.
        """

    def clear(self) -> None:
        """Forget everything kept (called in a child process after a fork)."""


class BufferedTransport:
    """Queues payloads and sends them, coalesced, from a background worker.

    :meth:`send` only appends the payload to an in-memory queue (well under a microsecond), so
    a request never waits on a socket. Every ``flush_interval`` seconds a worker joins every
    queued payload into one and hands it to the wrapped :class:`DatagramTransport`, which
    packs the lines into as few datagrams as fit: many requests' metrics share a datagram,
    which also saves the statsd server work.

    The worker is a daemon thread started on the first :meth:`send` (under gevent's monkey
    patching, a greenlet). After a fork the child starts with an empty queue and its own
    worker. Whatever is queued when the interpreter exits normally is sent by an ``atexit``
    hook; a process killed outright loses at most one interval's metrics.

    Under heavy traffic the worker does not wait for its interval: a thousand queued payloads
    wake it at once, which keeps datagrams full and the queue short.

    The queue is bounded: when ``max_pending`` payloads are waiting (the worker cannot run,
    e.g. a greenlet hogs the event loop), new payloads are dropped, counted, and a warning is
    logged at most every ten seconds.

    Besides queued payloads, each flush sends what its :meth:`sources <add_source>` have kept.

    Args:
        transport: Where coalesced payloads are sent.
        flush_interval: Seconds between sends; must be positive.
        max_pending: The most payloads that may wait for the worker.

    Raises:
        ValueError: if ``flush_interval`` or ``max_pending`` is not positive.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        transport: DatagramTransport,
        flush_interval: float,
        max_pending: int = DEFAULT_MAX_PENDING,
    ) -> None:
        if isinstance(flush_interval, bool) or not flush_interval > 0:
            raise ValueError(f"flush_interval must be a positive number, got {flush_interval!r}")
        if isinstance(max_pending, bool) or not isinstance(max_pending, int) or max_pending < 1:
            raise ValueError(f"max_pending must be a positive integer, got {max_pending!r}")
        self.transport = transport
        self.flush_interval = flush_interval
        self._max_pending = max_pending
        self._pending: collections.deque[bytes] = collections.deque()
        self._sources: list[PendingSource] = []
        self._send_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._drops = WarningLimiter()
        reference = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: _call(reference, "_reset_after_fork"))
        atexit.register(_call, reference, "flush")

    def __repr__(self) -> str:
        return f"<BufferedTransport every {self.flush_interval}s to {self.transport!r}>"

    def send(self, payload: bytes) -> None:
        """Queue ``payload`` for the worker; never blocks and never raises."""
        pending = self._pending
        if len(pending) >= self._max_pending:
            dropped = self._drops.count()
            if dropped:
                logger.warning(
                    "Dropped %d metrics payload(s): %d are waiting to be sent, the most "
                    "allowed; is the event loop blocked?",
                    dropped,
                    self._max_pending,
                )
            return
        pending.append(payload)
        if self._worker is None:
            self._start_worker()
        elif len(pending) == _EARLY_FLUSH:
            self._wake.set()

    @property
    def dropped(self) -> int:
        """How many payloads were dropped because the queue was full."""
        return self._drops.total

    def add_source(self, source: PendingSource) -> None:
        """Also send, at every flush, the lines ``source.drain()`` returns.

        A source lets a producer of many metrics (the metrics observer) skip building a
        payload per request: it keeps its data raw and formats it once per flush, on the
        worker. The source must call :meth:`wake` once it holds data, so that the worker runs.
        """
        self._sources.append(source)

    def wake(self) -> None:
        """Have the worker flush soon (starting it if it is not running yet)."""
        if self._worker is None:
            self._start_worker()
        self._wake.set()

    def flush(self) -> None:
        """Send everything queued now, and what the sources kept, on the calling thread."""
        with self._send_lock:
            payloads = []
            pending = self._pending
            popleft = pending.popleft
            try:
                while True:
                    payloads.append(popleft())
            except IndexError:
                pass
            for source in self._sources:
                lines = source.drain()
                if lines:
                    payloads.append(lines)
            if payloads:
                self.transport.send(b"\n".join(payloads))

    def close(self, timeout: float = 5.0) -> None:
        """Stop the worker, send what is queued, and close the socket."""
        self._stopping.set()
        self._wake.set()
        worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout)
        self.flush()
        self.transport.close()

    def _start_worker(self) -> None:
        with self._start_lock:
            if self._worker is not None or self._stopping.is_set():
                return
            worker = threading.Thread(
                target=self._run, name="baseplate-metrics-flusher", daemon=True
            )
            self._worker = worker
        worker.start()

    def _run(self) -> None:
        wake, stopping = self._wake, self._stopping
        while not stopping.is_set():
            wake.wait(self.flush_interval)
            wake.clear()
            try:
                self.flush()
            except Exception:  # the transport never raises; a bug must not kill the worker
                logger.exception("The metrics flusher failed; it carries on")

    def _reset_after_fork(self) -> None:
        self._pending.clear()
        for source in self._sources:
            source.clear()
        self._send_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._worker = None


def _call(reference: weakref.ref[BufferedTransport], method: str) -> None:
    transport = reference()
    if transport is not None:
        getattr(transport, method)()
