"""TimedOutError, the one exception of baseplate.context.redis."""

from __future__ import annotations

import pickle

from baseplate.context.redis import TimedOutError


def test_timed_out_error_pickles() -> None:
    """TimedOutError keeps its attributes and message through pickling."""
    error = pickle.loads(pickle.dumps(TimedOutError("jobs", 3)))

    assert (error.queue_name, error.timeout) == ("jobs", 3)
    assert str(error) == "queue 'jobs' was empty for 3 s"
