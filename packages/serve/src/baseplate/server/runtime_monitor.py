"""Process-level metrics for ``baseplate-serve``.

When the application's :class:`~baseplate.core.Baseplate` has a metrics client (the
Thrift and Pyramid integrations set ``app.baseplate``), ``baseplate-serve`` sends a batch of
process metrics every 10 seconds, aligned to the wall clock. Every name is prefixed with
``runtime.<hostname>.PID<pid>`` under the client's namespace (dots in the host name become
underscores, so the host stays one path segment). The ``[server:NAME]`` section chooses the
reporters (parsed with the rest of the section by :func:`~baseplate.server.parse_server_section`
at startup, so a bad value stops ``baseplate-serve`` even before metrics are configured):

``monitoring.concurrency`` (default ``true``)
    ``active_requests``: a gauge of the requests in flight.
``monitoring.gc.stats`` (default ``true``)
    ``gc.gen<N>.collections``, ``gc.gen<N>.collected``, ``gc.gen<N>.uncollectable``: gauges
    from :func:`gc.get_stats`.
``monitoring.gc.timing`` (default ``false``)
    ``gc.elapsed``: a timer per garbage collection pass.
``monitoring.blocked_hub`` (a span of time; off by default)
    ``hub_blocked``: a timer each time gevent's monitor thread finds the event loop blocked
    for longer than that (gevent reports the threshold as the duration, and reports again
    for every further period the loop stays blocked); the report, with the blocking
    greenlet's stack, is logged at WARNING too.

The client is typed as :class:`baseplate.core.MetricsClient`, the shape every reporter and
observer expects of a metrics client (:class:`baseplate.metrics.Client` is one); the monitor
uses only its batches' gauges and timers.
"""

from __future__ import annotations

import collections
import gc
import logging
import os
import socket
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import gevent

from baseplate.core import MetricsBatch, MetricsClient
from baseplate.server._server_section import MonitoringConfig

__all__ = [
    "REPORT_INTERVAL",
    "BlockedHubReporter",
    "ConcurrencyReporter",
    "GCStatsReporter",
    "GCTimingReporter",
    "Reporter",
    "RuntimeMonitor",
    "make_reporters",
    "metric_prefix",
    "start",
]

logger = logging.getLogger(__name__)

#: Seconds between reports.
REPORT_INTERVAL = 10.0

# Timings waiting for the next report are capped so a stalled reporter cannot grow memory.
_MAX_PENDING_TIMINGS = 1000


class Reporter(Protocol):
    """Adds one kind of process metric to each report.

    ``report`` is called every interval on the event loop; it must not block and should not
    raise (an exception is logged and the other reporters still run).
    """

    def report(self, batch: MetricsBatch, prefix: str) -> None: ...


class ConcurrencyReporter:
    """Reports ``active_requests``: how many requests are being handled right now."""

    def __init__(self, active_requests: Callable[[], int]) -> None:
        self._active_requests = active_requests

    def report(self, batch: MetricsBatch, prefix: str) -> None:
        batch.gauge(f"{prefix}.active_requests").replace(self._active_requests())


class GCStatsReporter:
    """Reports the garbage collector's per-generation counts from :func:`gc.get_stats`."""

    def report(self, batch: MetricsBatch, prefix: str) -> None:
        for generation, stats in enumerate(gc.get_stats()):
            for key in ("collections", "collected", "uncollectable"):
                batch.gauge(f"{prefix}.gc.gen{generation}.{key}").replace(stats[key])


class GCTimingReporter:
    """Reports ``gc.elapsed``: how long each garbage collection pass took.

    It hooks :data:`gc.callbacks` when made; :meth:`close` unhooks it.
    """

    def __init__(self) -> None:
        self._started_at = 0.0
        self._timings: collections.deque[float] = collections.deque(maxlen=_MAX_PENDING_TIMINGS)
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: Mapping[str, int]) -> None:
        # Runs inside the collector, in whatever thread triggered it: keep it tiny.
        if phase == "start":
            self._started_at = time.perf_counter()
        elif phase == "stop" and self._started_at:
            self._timings.append(time.perf_counter() - self._started_at)

    def report(self, batch: MetricsBatch, prefix: str) -> None:
        timer = batch.timer(f"{prefix}.gc.elapsed")
        while self._timings:
            timer.send(self._timings.popleft())

    def close(self) -> None:
        """Stop timing collections."""
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)


class BlockedHubReporter:
    """Reports ``hub_blocked`` each time gevent finds the event loop blocked too long.

    Turns on gevent's monitor thread with ``max_blocking_time`` set to ``threshold``. The
    monitor thread only hands each event over to the event loop; logging the report and
    recording the timing happen there.

    The monitor thread is started from the event loop, on its first iteration after the
    reporter is made. gevent's monitor thread stops for good the first time it finds the hub
    not running, which it is not until the process first waits on the loop: started any
    earlier, a slow start-up (imports, config parsing) between making the reporter and
    serving would switch the monitoring off without a word.
    """

    def __init__(self, threshold: float) -> None:
        import gevent.events

        self._threshold = threshold
        self._timings: collections.deque[float] = collections.deque(maxlen=_MAX_PENDING_TIMINGS)
        self._hub = gevent.get_hub()
        gevent.config.max_blocking_time = threshold
        gevent.config.print_blocking_reports = False
        gevent.config.monitor_thread = True
        gevent.events.subscribers.append(self._on_event)
        self._hub.loop.run_callback(self._start_monitor_thread)

    def _start_monitor_thread(self) -> None:
        # Runs in the hub, so gevent's monitor thread finds the hub running from its first look.
        with warnings.catch_warnings():
            # Without psutil gevent warns that it cannot also watch memory; we do not ask it to.
            warnings.filterwarnings("ignore", message="Unable to monitor memory usage")
            self._hub.start_periodic_monitoring_thread()

    def _on_event(self, event: object) -> None:
        # Called in gevent's monitor thread, for every gevent event.
        import gevent.events

        if isinstance(event, gevent.events.EventLoopBlocked):
            self._hub.loop.run_callback_threadsafe(
                self._record, float(event.blocking_time), list(event.info)
            )

    def _record(self, blocking_time: float, info: Sequence[str]) -> None:
        self._timings.append(blocking_time)
        logger.warning(
            "The event loop was blocked for more than %g seconds:\n%s",
            blocking_time,
            "\n".join(info),
        )

    def report(self, batch: MetricsBatch, prefix: str) -> None:
        timer = batch.timer(f"{prefix}.hub_blocked")
        while self._timings:
            timer.send(self._timings.popleft())

    def close(self) -> None:
        """Stop listening for blocked-loop events."""
        import gevent.events

        if self._on_event in gevent.events.subscribers:
            gevent.events.subscribers.remove(self._on_event)


def make_reporters(monitoring: MonitoringConfig, server: Any) -> list[Reporter]:
    """Make the reporters that the ``monitoring.*`` keys turn on.

    ``active_requests`` is read from ``server.active_requests`` when the server has it (the
    built-in servers do), and from the size of its connection pool otherwise.

    Args:
        monitoring: The server section's ``monitoring.*`` keys, as
            :func:`~baseplate.server.parse_server_section` parsed them.
        server: The server being monitored.
    """
    reporters: list[Reporter] = []
    if monitoring.concurrency:
        reporters.append(ConcurrencyReporter(_active_requests_source(server)))
    if monitoring.gc_stats:
        reporters.append(GCStatsReporter())
    if monitoring.gc_timing:
        reporters.append(GCTimingReporter())
    if monitoring.blocked_hub is not None:
        reporters.append(BlockedHubReporter(monitoring.blocked_hub))
    return reporters


def _active_requests_source(server: Any) -> Callable[[], int]:
    if hasattr(server, "active_requests"):
        return lambda: int(server.active_requests)
    pool = getattr(server, "pool", None)
    if pool is not None:
        return lambda: len(pool)
    return lambda: 0


def metric_prefix(hostname: str | None = None, pid: int | None = None) -> str:
    """Return ``runtime.<hostname>.PID<pid>``, the prefix of every process metric.

    Dots in the host name become ``_``, so the host stays one segment of the metric's name.

    Args:
        hostname: The host name; this machine's when ``None``.
        pid: The process id; this process's when ``None``.

    .. versionadded:: 0.1.0
    """
    host = (hostname if hostname is not None else socket.gethostname()).replace(".", "_")
    return f"runtime.{host}.PID{pid if pid is not None else os.getpid()}"


class RuntimeMonitor:
    """Sends the reporters' metrics every :data:`REPORT_INTERVAL` seconds, in a greenlet.

    Args:
        client: The metrics client.
        reporters: What to report.
        prefix: Prefix of every metric name (see :func:`metric_prefix`).
        interval: Seconds between reports; reports happen at multiples of it on the clock.
    """

    def __init__(
        self,
        client: MetricsClient,
        reporters: Sequence[Reporter],
        *,
        prefix: str | None = None,
        interval: float = REPORT_INTERVAL,
    ) -> None:
        self._client = client
        self._reporters = list(reporters)
        self._prefix = prefix if prefix is not None else metric_prefix()
        self._interval = interval
        self._greenlet: gevent.Greenlet[[], None] | None = None

    def report(self) -> None:
        """Send one batch with every reporter's metrics now."""
        batch = self._client.batch()
        for reporter in self._reporters:
            try:
                reporter.report(batch, self._prefix)
            except Exception:
                logger.exception("Runtime metrics reporter %r failed", reporter)
        try:
            batch.flush()
        except Exception:
            logger.exception("Sending runtime metrics failed")

    def _run(self) -> None:
        while True:
            gevent.sleep(self._interval - time.time() % self._interval)
            self.report()

    def start(self) -> None:
        """Start reporting in the background."""
        if self._greenlet is None:
            self._greenlet = gevent.spawn(self._run)

    def stop(self) -> None:
        """Stop reporting and unhook the reporters that hooked into the runtime."""
        if self._greenlet is not None:
            self._greenlet.kill(block=False)
            self._greenlet = None
        for reporter in self._reporters:
            close = getattr(reporter, "close", None)
            if close is not None:
                close()


def start(monitoring: MonitoringConfig, app: Any, server: Any) -> RuntimeMonitor | None:
    """Start process-level metrics for a served application, if it has a metrics client.

    The client is ``app.baseplate.metrics_client`` (set by
    :meth:`Baseplate.configure_metrics <baseplate.core.Baseplate.configure_metrics>`).

    Args:
        monitoring: The server section's ``monitoring.*`` keys (see :func:`make_reporters`).
        app: The application, as its factory returned it.
        server: The server serving it.

    Returns:
        The running monitor, or ``None`` when there is no metrics client or no reporter is
        turned on.
    """
    baseplate = getattr(app, "baseplate", None)
    client = getattr(baseplate, "metrics_client", None)
    if client is None:
        logger.debug("No metrics client on the application: no process-level metrics")
        return None
    reporters = make_reporters(monitoring, server)
    if not reporters:
        return None
    monitor = RuntimeMonitor(client, reporters)
    monitor.start()
    return monitor
