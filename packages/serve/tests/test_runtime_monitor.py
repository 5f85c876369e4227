"""Tests for process-level metrics (baseplate.server.runtime_monitor), with a recording client."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest

from baseplate.server import MonitoringConfig, parse_server_section, runtime_monitor


class RecordingBatch:
    def __init__(self, client: RecordingClient) -> None:
        self.client = client
        self.gauges: dict[str, float] = {}
        self.timers: list[tuple[str, float]] = []

    def gauge(self, name):
        return SimpleNamespace(replace=lambda value: self.gauges.__setitem__(name, value))

    def timer(self, name):
        return SimpleNamespace(send=lambda elapsed: self.timers.append((name, elapsed)))

    def flush(self):
        self.client.flushed.append(self)


class RecordingClient:
    """Records what each flushed batch held."""

    def __init__(self) -> None:
        self.flushed: list[RecordingBatch] = []

    def batch(self):
        return RecordingBatch(self)


PREFIX = "runtime.host_example_com.PID42"


def report(reporters) -> RecordingBatch:
    client = RecordingClient()
    runtime_monitor.RuntimeMonitor(client, reporters, prefix=PREFIX).report()
    assert len(client.flushed) == 1
    return client.flushed[0]


def test_metric_prefix_names_host_and_pid():
    """Names start with runtime.<hostname>.PID<pid>; dots in the host become underscores."""
    assert runtime_monitor.metric_prefix("host.example.com", 42) == PREFIX


def test_concurrency_reporter_gauges_active_requests():
    """active_requests is a gauge of the requests in flight."""
    batch = report([runtime_monitor.ConcurrencyReporter(lambda: 3)])
    assert {f"{PREFIX}.active_requests": 3} == batch.gauges


def test_gc_stats_reporter_gauges_every_generation():
    """gc.gen<N>.collections|collected|uncollectable gauges come from gc.get_stats()."""
    batch = report([runtime_monitor.GCStatsReporter()])
    expected = {
        f"{PREFIX}.gc.gen{generation}.{key}"
        for generation in range(len(gc.get_stats()))
        for key in ("collections", "collected", "uncollectable")
    }
    assert expected == set(batch.gauges)
    assert len(expected) == 9  # CPython 3.11 has three generations
    assert gc.get_stats()[0]["uncollectable"] == batch.gauges[f"{PREFIX}.gc.gen0.uncollectable"]


def test_gc_timing_reporter_times_each_collection():
    """gc.elapsed gets one timing per collection, in seconds; close() unhooks it."""
    reporter = runtime_monitor.GCTimingReporter()
    try:
        gc.collect()
        gc.collect()
        batch = report([reporter])
    finally:
        reporter.close()
    assert reporter._on_gc not in gc.callbacks
    names = {name for name, _ in batch.timers}
    assert {f"{PREFIX}.gc.elapsed"} == names
    assert len(batch.timers) >= 2
    assert all(0 <= elapsed < 60 for _, elapsed in batch.timers)
    assert report([reporter]).timers == []  # each timing is sent once


def test_a_failing_reporter_does_not_stop_the_others(caplog):
    """A reporter that raises is logged; the others' metrics are still sent."""

    class Broken:
        def report(self, batch, prefix):
            raise RuntimeError("boom")

    batch = report([Broken(), runtime_monitor.ConcurrencyReporter(lambda: 1)])
    assert {f"{PREFIX}.active_requests": 1} == batch.gauges
    assert "Runtime metrics reporter" in caplog.text


def monitoring(**keys: str) -> MonitoringConfig:
    """The parsed monitoring keys of a server section holding ``keys``."""
    return parse_server_section(keys).monitoring


def test_make_reporters_follows_the_monitoring_keys():
    """Concurrency and GC stats are on by default; GC timing is off; keys switch them."""
    server = SimpleNamespace(active_requests=2)
    default = runtime_monitor.make_reporters(monitoring(), server)
    assert [runtime_monitor.ConcurrencyReporter, runtime_monitor.GCStatsReporter] == [
        type(r) for r in default
    ]
    assert {f"{PREFIX}.active_requests": 2} == report(default[:1]).gauges
    chosen = runtime_monitor.make_reporters(
        monitoring(
            **{
                "monitoring.concurrency": "false",
                "monitoring.gc.stats": "false",
                "monitoring.gc.timing": "true",
            }
        ),
        server,
    )
    try:
        assert [runtime_monitor.GCTimingReporter] == [type(r) for r in chosen]
    finally:
        for reporter in chosen:
            reporter.close()


def test_start_needs_a_metrics_client():
    """Without app.baseplate.metrics_client nothing is started."""
    assert runtime_monitor.start(monitoring(), object(), object()) is None
    app = SimpleNamespace(baseplate=SimpleNamespace(metrics_client=None))
    assert runtime_monitor.start(monitoring(), app, object()) is None


BLOCKED_HUB_SCRIPT = textwrap.dedent(
    """
    import json, time
    import gevent
    from types import SimpleNamespace
    from baseplate.server.runtime_monitor import BlockedHubReporter, RuntimeMonitor

    class Batch:
        timers = []
        def timer(self, name):
            return SimpleNamespace(send=lambda value: self.timers.append([name, value]))
        def gauge(self, name):
            raise AssertionError("no gauges expected")
        def flush(self):
            pass

    batch = Batch()
    reporter = BlockedHubReporter(0.05)
    # Start-up work before the event loop first runs (gevent's monitor thread used to stop
    # itself for good here, finding the hub not yet running).
    time.sleep(0.3)
    gevent.spawn(time.sleep, 0.5).join()  # time is not patched: this blocks the event loop
    for _ in range(100):  # the monitor thread hands the event over; give it a moment
        gevent.sleep(0.05)
        if reporter._timings:
            break
    RuntimeMonitor(SimpleNamespace(batch=lambda: batch), [reporter], prefix="p").report()
    reporter.close()
    print(json.dumps(batch.timers))
    """
)


def test_blocked_hub_reporter_times_blocked_event_loops():
    """A greenlet blocking the event loop past the threshold is reported as hub_blocked and
    logged with its stack (run in a subprocess: it turns on gevent's monitor thread)."""
    result = subprocess.run(
        [sys.executable, "-c", BLOCKED_HUB_SCRIPT], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    timers = json.loads(result.stdout.strip().splitlines()[-1])
    assert timers
    assert {"p.hub_blocked"} == {name for name, _ in timers}
    assert all(value == pytest.approx(0.05) for _, value in timers)
    assert "The event loop was blocked for more than 0.05 seconds" in result.stderr
    assert "<built-in function sleep>(0.5)> appears to be blocked" in result.stderr
