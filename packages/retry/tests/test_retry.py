"""Tests for baseplate.retry, with a fake clock so that no test waits for real time."""

from __future__ import annotations

import itertools
import pickle
import time

import pytest

from baseplate.retry import (
    ExponentialBackoffRetryPolicy,
    IndefiniteRetryPolicy,
    MaximumAttemptsRetryPolicy,
    RetryPolicy,
    TimeBudgetRetryPolicy,
)


class FakeClock:
    """A clock that only moves when told to; ``sleep`` moves it and records the request."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_no_constraints_allows_attempts_forever_without_time_limit() -> None:
    """RetryPolicy.new() with no arguments yields None indefinitely."""
    policy = RetryPolicy.new()

    expected = [None] * 50
    assert expected == list(itertools.islice(policy, 50))


def test_attempts_caps_the_number_of_iterations() -> None:
    """attempts=3 allows exactly three attempts, each without a time limit."""
    expected = [None, None, None]
    assert expected == list(RetryPolicy.new(attempts=3))


def test_single_attempt() -> None:
    """attempts=1 allows exactly one attempt."""
    expected = [None]
    assert expected == list(RetryPolicy.new(attempts=1))


def test_for_else_runs_when_every_attempt_failed() -> None:
    """The documented loop reaches its else branch after the last failed attempt."""
    tries = 0
    for _ in RetryPolicy.new(attempts=4):
        tries += 1
    else:
        gave_up = True

    expected = 4
    assert expected == tries
    assert gave_up


def test_policy_can_be_iterated_again_from_the_start() -> None:
    """A policy holds settings only: each iteration starts with the full allowance."""
    policy = RetryPolicy.new(attempts=2)

    expected = [None, None]
    assert expected == list(policy)
    expected = [None, None]
    assert expected == list(policy)


def test_budget_yields_full_budget_first_then_time_remaining(clock: FakeClock) -> None:
    """The first attempt gets the whole budget; later ones get what is left of it."""
    attempts = iter(RetryPolicy.new(budget=5.0, time_func=clock.time))

    expected = 5.0
    assert expected == next(attempts)
    clock.now += 1.5
    expected = 3.5
    assert expected == next(attempts)
    clock.now += 3.0
    expected = 0.5
    assert expected == next(attempts)
    clock.now += 0.5
    expected = []
    assert expected == list(attempts)


def test_budget_always_allows_one_attempt_even_if_it_overruns(clock: FakeClock) -> None:
    """An attempt that takes longer than the budget is still the one attempt made."""
    seen = []
    for time_remaining in RetryPolicy.new(budget=1.0, time_func=clock.time):
        seen.append(time_remaining)
        clock.now += 10.0

    expected = [1.0]
    assert expected == seen


def test_budget_stops_exactly_when_nothing_remains(clock: FakeClock) -> None:
    """No attempt is made with zero seconds left."""
    attempts = iter(RetryPolicy.new(budget=2.0, time_func=clock.time))
    next(attempts)
    clock.now += 2.0

    expected = []
    assert expected == list(attempts)


def test_budget_clock_starts_when_iteration_starts(clock: FakeClock) -> None:
    """Time passing between creating the policy and iterating it does not count."""
    policy = RetryPolicy.new(budget=3.0, time_func=clock.time)
    clock.now += 100.0
    attempts = iter(policy)

    expected = 3.0
    assert expected == next(attempts)
    clock.now += 1.0
    expected = 2.0
    assert expected == next(attempts)


def test_attempts_and_budget_stop_at_whichever_comes_first(clock: FakeClock) -> None:
    """With plenty of time, the attempt limit ends the iteration."""
    seen = []
    for time_remaining in RetryPolicy.new(attempts=2, budget=100.0, time_func=clock.time):
        seen.append(time_remaining)
        clock.now += 1.0

    expected = [100.0, 99.0]
    assert expected == seen


def test_backoff_sleeps_base_then_doubles(clock: FakeClock) -> None:
    """The first retry waits backoff, the next twice that, then four times (N, 2N, 4N).

    This is the documented meaning of the base ("N in N * 2**attempts", counting retries
    from 0); never a wait before the first attempt.
    """
    seen = list(RetryPolicy.new(attempts=4, backoff=0.5, sleep_func=clock.sleep))

    expected = [None, None, None, None]
    assert expected == seen
    expected = [0.5, 1.0, 2.0]
    assert expected == clock.sleeps


def test_backoff_does_not_sleep_after_success(clock: FakeClock) -> None:
    """Breaking out after the first attempt means no backoff at all."""
    for _ in RetryPolicy.new(attempts=3, backoff=1.0, sleep_func=clock.sleep):
        break

    expected = []
    assert expected == clock.sleeps


def test_backoff_does_not_sleep_after_the_last_attempt(clock: FakeClock) -> None:
    """Exhausting the attempt limit ends the iteration without a final wait."""
    list(RetryPolicy.new(attempts=2, backoff=1.0, sleep_func=clock.sleep))

    expected = [1.0]
    assert expected == clock.sleeps


def test_backoff_wait_is_taken_out_of_the_budget(clock: FakeClock) -> None:
    """The time remaining yielded after a backoff excludes the wait itself."""
    attempts = iter(
        RetryPolicy.new(budget=10.0, backoff=0.5, time_func=clock.time, sleep_func=clock.sleep)
    )

    expected = 10.0
    assert expected == next(attempts)
    clock.now += 1.0  # the first attempt took a second
    expected = 8.5
    assert expected == next(attempts)  # 9 seconds left, minus the 0.5 second wait
    expected = [0.5]
    assert expected == clock.sleeps
    expected = 7.5
    assert expected == next(attempts)  # 8.5 left after the wait, minus the 1 second wait
    expected = [0.5, 1.0]
    assert expected == clock.sleeps


def test_budget_cuts_backoff_short_instead_of_sleeping_it_away(clock: FakeClock) -> None:
    """A wait that would use up the rest of the budget ends the policy without sleeping."""
    attempts = iter(
        RetryPolicy.new(budget=3.0, backoff=1.0, time_func=clock.time, sleep_func=clock.sleep)
    )

    expected = 3.0
    assert expected == next(attempts)
    clock.now += 0.5
    expected = 1.5
    assert expected == next(attempts)  # 2.5 left; waited 1
    expected = [1.0]
    assert expected == clock.sleeps
    expected = []
    assert expected == list(attempts)  # 1.5 left, but the next wait would be 2
    expected = [1.0]
    assert expected == clock.sleeps


def test_attempts_budget_and_backoff_together(clock: FakeClock) -> None:
    """All three constraints compose: attempts cap, budget shrinks, waits grow."""
    seen = []
    for time_remaining in RetryPolicy.new(
        attempts=3,
        budget=20.0,
        backoff=1.0,
        time_func=clock.time,
        sleep_func=clock.sleep,
    ):
        seen.append(time_remaining)
        clock.now += 1.0

    expected = [20.0, 18.0, 15.0]
    assert expected == seen
    expected = [1.0, 2.0]
    assert expected == clock.sleeps


def test_defaults_use_the_real_clock_and_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without injected functions the policy uses time.monotonic and time.sleep.

    They are looked up when iteration starts, so a later monkey patch (as gevent does) is
    honoured.
    """
    fake = FakeClock()
    policy = RetryPolicy.new(attempts=2, budget=50.0, backoff=0.25)
    monkeypatch.setattr(time, "monotonic", fake.time)
    monkeypatch.setattr(time, "sleep", fake.sleep)

    expected = [50.0, 49.75]
    assert expected == list(policy)
    expected = [0.25]
    assert expected == fake.sleeps


@pytest.mark.parametrize("attempts", [0, -1, 1.5, True, "3"])
def test_attempts_must_be_a_positive_integer(attempts: object) -> None:
    """Bad attempt counts are refused with a message quoting the value."""
    with pytest.raises(ValueError, match=r"attempts must be a positive integer, got "):
        RetryPolicy.new(attempts=attempts)  # type: ignore[arg-type]


@pytest.mark.parametrize("budget", [0, -2.0, float("nan"), float("inf"), False, "1"])
def test_budget_must_be_positive_and_finite(budget: object) -> None:
    """Bad budgets are refused with a message naming the argument and the value."""
    with pytest.raises(ValueError, match=r"budget must be a positive, finite number of seconds"):
        RetryPolicy.new(budget=budget)  # type: ignore[arg-type]


@pytest.mark.parametrize("backoff", [0, -0.1, float("nan"), "0.1"])
def test_backoff_must_be_positive_and_finite(backoff: object) -> None:
    """Bad backoff bases are refused with a message naming the argument and the value."""
    with pytest.raises(ValueError, match=r"backoff must be a positive, finite number of seconds"):
        RetryPolicy.new(backoff=backoff)  # type: ignore[arg-type]


def test_classes_compose_by_hand(clock: FakeClock) -> None:
    """The policy classes can be stacked directly, in any order."""
    policy = MaximumAttemptsRetryPolicy(
        ExponentialBackoffRetryPolicy(IndefiniteRetryPolicy(), 0.1, sleep_func=clock.sleep),
        attempts=3,
    )

    expected = [None, None, None]
    assert expected == list(policy)
    expected = [0.1, 0.2]
    assert expected == pytest.approx(clock.sleeps)


def test_new_builds_the_documented_stack() -> None:
    """new() nests attempts inside budget inside backoff."""
    policy = RetryPolicy.new(attempts=2, budget=1.0, backoff=0.1)

    assert isinstance(policy, ExponentialBackoffRetryPolicy)
    assert isinstance(policy.policy, TimeBudgetRetryPolicy)
    assert isinstance(policy.policy.policy, MaximumAttemptsRetryPolicy)
    assert isinstance(policy.policy.policy.policy, IndefiniteRetryPolicy)


def test_policies_are_immutable_and_picklable() -> None:
    """Policies are frozen values under their public module name."""
    policy = RetryPolicy.new(attempts=2, budget=1.5)

    with pytest.raises(AttributeError):
        policy.budget = 3.0  # type: ignore[misc]
    assert policy == pickle.loads(pickle.dumps(policy))
    expected = "baseplate.retry"
    assert expected == type(policy).__module__
