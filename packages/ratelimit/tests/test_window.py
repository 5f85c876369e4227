"""The fixed windows: counter names and lifetimes, shared by every backend."""

from __future__ import annotations

import pytest

from baseplate.ratelimit._window import time_to_live, window_key


@pytest.mark.parametrize(
    ("now", "interval", "expected"),
    [
        (1_700_000_000.9, 60, "rl:user28333333"),
        (1_700_000_039.0, 60, "rl:user28333333"),
        (1_700_000_040.0, 60, "rl:user28333334"),
        (1_700_000_000.0, 1, "rl:user1700000000"),
        (59.999, 60, "rl:user0"),
    ],
)
def test_window_key_is_prefix_key_and_window_number(
    now: float, interval: int, expected: str
) -> None:
    """A counter is named prefix + key + int(now) // interval, whole seconds counted from the
    epoch, so a window starts at each multiple of the interval."""
    assert window_key("rl:", "user", interval, now) == expected


def test_window_key_defaults_to_now() -> None:
    """Without a moment, the window is the current one."""
    import time

    before = int(time.time()) // 10
    key = window_key("p:", "k", 10)
    after = int(time.time()) // 10
    assert key in {f"p:k{before}", f"p:k{after}"}


def test_counters_live_two_intervals() -> None:
    """A counter lives twice its window's length, so it outlasts the window wherever the
    window starts."""
    assert time_to_live(1) == 2
    assert time_to_live(3600) == 7200
