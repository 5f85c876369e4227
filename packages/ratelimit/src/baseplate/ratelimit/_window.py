"""Fixed windows: which window a moment falls in, a bucket's key in it, and its lifetime.

Every backend counts the same way, so that counters written by one process (or by the
original framework's services) are the counters another reads: the window of a moment is
``int(now) // interval``; a bucket's counter in it is stored under
``prefix + key + str(window)``; the counter lives for two intervals, so it outlasts its
window wherever the window starts.
"""

from __future__ import annotations

import time


def check_limits(allowance: object, interval: object) -> None:
    """Refuse an allowance or interval that is not an integer of at least 1.

    Raises:
        ValueError: naming the argument and the value.
    """
    for name, value in (("allowance", allowance), ("interval", interval)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an integer of at least 1, got {value!r}")


def check_amount(amount: object) -> None:
    """Refuse an amount that is not an integer of at least 1.

    Raises:
        ValueError: naming the value.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise ValueError(f"amount must be an integer of at least 1, got {amount!r}")


def window_key(prefix: str, key: str, interval: int, now: float | None = None) -> str:
    """Return the name of ``key``'s counter in the window holding ``now`` (default: now)."""
    moment = time.time() if now is None else now
    return f"{prefix}{key}{int(moment) // interval}"


def time_to_live(interval: int) -> int:
    """Return how long, in seconds, a counter of windows ``interval`` seconds long lives."""
    return 2 * interval
