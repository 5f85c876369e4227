"""Retry policies: iterables that decide whether, and with how much time, to try again."""

from __future__ import annotations

import abc
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

#: Returns the current time in seconds from an arbitrary fixed point (like
#: :func:`time.monotonic`).
TimeFunc = Callable[[], float]
#: Blocks for the given number of seconds (like :func:`time.sleep`).
SleepFunc = Callable[[float], None]


class RetryPolicy(abc.ABC):
    """A policy for retrying operations.

    A policy is an iterable; each item is one permission to attempt the operation, and its
    value is the time in seconds the attempt may take (``None`` when the policy sets no time
    limit). Iteration stops when the operation should not be tried again::

        for time_remaining in RetryPolicy.new(attempts=3):
            try:
                some_operation.do(timeout=time_remaining)
                break
            except SomeError:
                pass
        else:
            raise MaxRetriesError

    Policies hold only their settings, so one policy object can be iterated many times (each
    iteration starts afresh) and shared between threads or greenlets. Build them with
    :meth:`new`, or compose the classes of this module directly.

    .. versionadded:: 0.1.0
    """

    @abc.abstractmethod
    def yield_attempts(self) -> Iterator[float | None]:
        """Return an iterator which controls attempts.

        Each item is the number of seconds left for the next attempt, or ``None`` if there is
        no time limit. The iterator is exhausted once the operation should not be retried any
        further. Any waiting between attempts (backoff) happens inside :func:`next`, so it only
        happens when the caller asks for another attempt.
        """

    def __iter__(self) -> Iterator[float | None]:
        """Return :meth:`yield_attempts`, so that policies can be iterated directly."""
        return self.yield_attempts()

    @staticmethod
    def new(
        attempts: int | None = None,
        budget: float | None = None,
        backoff: float | None = None,
        *,
        time_func: TimeFunc | None = None,
        sleep_func: SleepFunc | None = None,
    ) -> RetryPolicy:
        """Create a new retry policy with the given constraints.

        With no constraints the policy allows attempts forever.

        Args:
            attempts: The maximum number of times the operation can be attempted.
            budget: The maximum time, in seconds, to spend on the operation across all
                attempts. The first attempt is always allowed and gets the whole budget; each
                later one gets what is left, and none is made once nothing is left.
            backoff: The base, in seconds, of an exponential wait between attempts: before the
                attempt numbered ``n`` (counting from 0, so the first retry is ``n = 1``) the
                policy sleeps ``backoff * 2**(n - 1)`` seconds: ``backoff`` before the first
                retry, then twice that, four times, and so on. A wait is subtracted from the time
                remaining; if it would use up the rest of the budget, the policy stops instead
                of sleeping.
            time_func: The clock for ``budget``; defaults to :func:`time.monotonic`.
            sleep_func: How to wait for ``backoff``; defaults to :func:`time.sleep` (looked up
                when iteration starts, so gevent's monkey patching applies).

        Returns:
            The composed policy.

        Raises:
            ValueError: if ``attempts`` is not a positive integer, or ``budget`` or
                ``backoff`` is not a positive finite number.

        .. versionadded:: 0.1.0
        """
        policy: RetryPolicy = IndefiniteRetryPolicy()
        if attempts is not None:
            policy = MaximumAttemptsRetryPolicy(policy, attempts)
        if budget is not None:
            policy = TimeBudgetRetryPolicy(policy, budget, time_func=time_func)
        if backoff is not None:
            policy = ExponentialBackoffRetryPolicy(policy, backoff, sleep_func=sleep_func)
        return policy


def _check_positive_seconds(name: str, value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"{name} must be a positive, finite number of seconds, got {value!r}")


@dataclass(frozen=True, slots=True)
class IndefiniteRetryPolicy(RetryPolicy):
    """Allow attempts forever, with no time limit (every item is ``None``).

    .. versionadded:: 0.1.0
    """

    def yield_attempts(self) -> Iterator[float | None]:
        """Yield ``None`` forever."""
        while True:
            yield None


@dataclass(frozen=True, slots=True)
class MaximumAttemptsRetryPolicy(RetryPolicy):
    """Allow at most ``attempts`` of the attempts that ``policy`` allows.

    Args:
        policy: The policy being limited.
        attempts: The maximum number of attempts, at least 1.

    Raises:
        ValueError: if ``attempts`` is not a positive integer.

    .. versionadded:: 0.1.0
    """

    policy: RetryPolicy
    attempts: int

    def __post_init__(self) -> None:
        if isinstance(self.attempts, bool) or not isinstance(self.attempts, int):
            raise ValueError(f"attempts must be a positive integer, got {self.attempts!r}")
        if self.attempts < 1:
            raise ValueError(f"attempts must be a positive integer, got {self.attempts!r}")

    def yield_attempts(self) -> Iterator[float | None]:
        """Yield the items of ``policy``, stopping after ``attempts`` of them."""
        allowed = self.attempts
        for time_remaining in self.policy:
            yield time_remaining
            allowed -= 1
            if allowed == 0:
                return


@dataclass(frozen=True, slots=True)
class TimeBudgetRetryPolicy(RetryPolicy):
    """Limit the attempts ``policy`` allows to a total time budget.

    The clock starts when iteration starts. The first attempt is always allowed and is given
    the whole budget; each later attempt is given the time remaining, and iteration stops once
    none remains. The inner policy's own time values are ignored.

    Args:
        policy: The policy being limited.
        budget: The budget in seconds, a positive finite number.
        time_func: The clock; defaults to :func:`time.monotonic`.

    Raises:
        ValueError: if ``budget`` is not a positive finite number.

    .. versionadded:: 0.1.0
    """

    policy: RetryPolicy
    budget: float
    time_func: TimeFunc | None = None

    def __post_init__(self) -> None:
        _check_positive_seconds("budget", self.budget)

    def yield_attempts(self) -> Iterator[float | None]:
        """Yield the time remaining in the budget before each attempt."""
        clock = self.time_func if self.time_func is not None else time.monotonic
        start = clock()
        first = True
        for _ in self.policy:
            if first:
                first = False
                yield float(self.budget)
                continue
            time_remaining = self.budget - (clock() - start)
            if time_remaining <= 0:
                return
            yield time_remaining


@dataclass(frozen=True, slots=True)
class ExponentialBackoffRetryPolicy(RetryPolicy):
    """Wait exponentially longer before each retry of the attempts ``policy`` allows.

    Before the attempt numbered ``n`` (counting from 0) the policy sleeps
    ``base * 2**(n - 1)`` seconds, so the first attempt starts at once, the first retry waits
    ``base``, the next ``2 * base``, then ``4 * base`` and so on. When ``policy`` limits the
    time (it yields a number), the wait is subtracted from the time remaining before it is
    yielded; a wait that would use up all of the remaining time ends the iteration straight
    away instead, since an attempt with no time left could not succeed.

    Args:
        policy: The policy whose attempts are spaced out.
        base: The base of the backoff in seconds, a positive finite number.
        sleep_func: How to wait; defaults to :func:`time.sleep`, looked up when iteration
            starts so that gevent's monkey patching applies.

    Raises:
        ValueError: if ``base`` is not a positive finite number.

    .. versionadded:: 0.1.0
    """

    policy: RetryPolicy
    base: float
    sleep_func: SleepFunc | None = None

    def __post_init__(self) -> None:
        _check_positive_seconds("backoff", self.base)

    def yield_attempts(self) -> Iterator[float | None]:
        """Yield the items of ``policy``, sleeping before each one after the first."""
        sleep = self.sleep_func if self.sleep_func is not None else time.sleep
        for attempt, time_remaining in enumerate(self.policy):
            if attempt == 0:
                yield time_remaining
                continue
            delay = self.base * 2 ** (attempt - 1)
            if time_remaining is not None:
                if delay >= time_remaining:
                    return
                time_remaining -= delay
            sleep(delay)
            yield time_remaining
