"""Tests for WarningLimiter: rate-limited warnings that count every occurrence."""

from __future__ import annotations

import logging
import sys
import threading

import pytest

from baseplate.core import WarningLimiter, _warnings

logger = logging.getLogger("test.warnings")


class FakeClock:
    """Stands in for the time module: ``monotonic`` returns what the test set."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(_warnings, "time", fake)
    return fake


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_first_occurrence_is_due_and_the_rest_wait_for_the_interval(clock: FakeClock) -> None:
    """The first count is due at once; later ones are held back until the interval passed."""
    limiter = WarningLimiter(interval=10.0)
    assert limiter.count() == 1
    clock.now += 9.9
    assert limiter.count() == 0
    assert limiter.count(5) == 0
    clock.now += 0.1
    assert limiter.count() == 7
    assert limiter.total == 8


def test_occurrences_between_warnings_are_carried_into_the_next(clock: FakeClock) -> None:
    """Nothing goes unreported: the dues add up to the total."""
    limiter = WarningLimiter(interval=1.0)
    dues = []
    for step in range(50):
        clock.now += 0.25
        dues.append(limiter.count(step % 3 + 1))
    clock.now += 1.0
    dues.append(limiter.count(0))
    assert sum(dues) == limiter.total == sum(step % 3 + 1 for step in range(50))
    # One warning per four counts (at 0, 1, ... 12 s), and the last for what was left.
    assert len([due for due in dues if due]) == 14


def test_zero_interval_warns_every_time() -> None:
    """With interval 0 every count is due, with exactly its own occurrences."""
    limiter = WarningLimiter(interval=0.0)
    assert [limiter.count(n) for n in (3, 1, 2)] == [3, 1, 2]


def test_the_default_interval_is_ten_seconds(clock: FakeClock) -> None:
    """By default a warning comes at most every WARNING_INTERVAL (10) seconds."""
    limiter = WarningLimiter()
    assert _warnings.WARNING_INTERVAL == limiter.interval == 10.0
    limiter.count()
    clock.now += 9.99
    assert limiter.count() == 0
    clock.now += 0.01
    assert limiter.count() == 2


def test_warn_logs_the_message_with_the_count_since_the_last_warning(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """warn() formats the caller's message and appends the due count in the limiter's words."""
    limiter = WarningLimiter(interval=10.0, counted="span(s) dropped")
    with caplog.at_level(logging.WARNING, logger="test.warnings"):
        assert limiter.warn(logger, "queue %s full", "q", count=3) == 3
        assert limiter.warn(logger, "queue %s full", "q") == 0
        clock.now += 10.0
        assert limiter.warn(logger, "queue %s is %d%% full", "q", 100) == 2
    assert limiter.total == 5
    assert warnings_of(caplog) == [
        "queue q full (3 span(s) dropped since the last warning)",
        "queue q is 100% full (2 span(s) dropped since the last warning)",
    ]
    assert {r.name for r in caplog.records} == {"test.warnings"}


def test_warn_words_a_percent_sign_in_counted_literally(caplog: pytest.LogCaptureFixture) -> None:
    """What is counted is text, not a format string."""
    limiter = WarningLimiter(counted="100% failures")
    with caplog.at_level(logging.WARNING, logger="test.warnings"):
        limiter.warn(logger, "failed")
    assert warnings_of(caplog) == ["failed (1 100% failures since the last warning)"]
    assert limiter.counted == "100% failures"


def test_counts_from_many_threads_are_all_kept() -> None:
    """Thread-safe: concurrent counts lose no occurrence, and the dues add up to the total."""
    limiters = [WarningLimiter(interval=0.0), WarningLimiter(interval=3600.0)]
    dues = [[0] * 8 for _ in limiters]
    start = threading.Barrier(8)

    def run(index: int) -> None:
        start.wait()
        for _ in range(5000):
            for limiter, due in zip(limiters, dues, strict=True):
                due[index] += limiter.count()

    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(switch_interval)
    assert [limiter.total for limiter in limiters] == [40_000, 40_000]
    assert sum(dues[0]) == 40_000
    assert sum(dues[1]) == 1  # only the first occurrence was due within the hour


def test_the_clock_is_read_and_the_warning_decided_under_the_lock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Counting, reading the clock and deciding are one step, so two threads never both warn."""
    limiter = WarningLimiter(interval=10.0)
    held = []

    class LockCheckingClock(FakeClock):
        def monotonic(self) -> float:
            held.append(limiter._lock.locked())
            return super().monotonic()

    monkeypatch.setattr(_warnings, "time", LockCheckingClock())
    limiter.count()
    limiter.warn(logger, "again")
    assert held == [True, True]


def test_a_negative_interval_is_refused() -> None:
    """The interval cannot be negative (or NaN)."""
    with pytest.raises(ValueError, match=r"interval must be zero or more seconds, got -1\.0"):
        WarningLimiter(interval=-1.0)
    with pytest.raises(ValueError, match="got nan"):
        WarningLimiter(interval=float("nan"))


def test_repr_names_what_is_counted() -> None:
    """The repr shows what is counted, the total and the interval."""
    limiter = WarningLimiter(counted="tag(s) dropped")
    limiter.count(2)
    assert repr(limiter) == "<WarningLimiter 'tag(s) dropped' total=2 interval=10.0>"
