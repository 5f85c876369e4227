"""RateLimiter, RateLimiterContextFactory and RateLimitExceededException, on an in-memory
backend."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from baseplate.core import Baseplate, ContextFactory, RequestContext, Span
from baseplate.ratelimit import (
    RateLimitBackend,
    RateLimiter,
    RateLimiterContextFactory,
    RateLimitExceededException,
)


class CountingBackend(RateLimitBackend):
    """Counts in a dict, remembering every call."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.calls: list[tuple[str, int, int, int]] = []

    def consume(self, key: str, amount: int, allowance: int, interval: int) -> bool:
        self.calls.append((key, amount, allowance, interval))
        self.counts[key] = self.counts.get(key, 0) + amount
        return self.counts[key] <= allowance


class BackendFactory(ContextFactory):
    def __init__(self) -> None:
        self.made: list[tuple[str, Span, CountingBackend]] = []

    def make_object_for_context(self, name: str, span: Span) -> CountingBackend:
        backend = CountingBackend()
        self.made.append((name, span, backend))
        return backend


def test_consume_lets_the_allowance_through_then_refuses() -> None:
    """consume() returns while the key's count is within the allowance, then raises
    RateLimitExceededException carrying the key, amount, allowance and interval."""
    limiter = RateLimiter(CountingBackend(), allowance=3, interval=60)
    for _ in range(3):
        limiter.consume("user")
    with pytest.raises(RateLimitExceededException) as raised:
        limiter.consume("user")
    error = raised.value
    assert (error.key, error.amount, error.allowance, error.interval) == ("user", 1, 3, 60)
    assert str(error) == (
        "rate limit exceeded for 'user': consuming 1 would pass the allowance of 3 per 60 s"
    )


def test_keys_are_counted_apart() -> None:
    """One key's use does not count against another's allowance."""
    limiter = RateLimiter(CountingBackend(), allowance=1, interval=60)
    limiter.consume("alice")
    limiter.consume("bob")
    with pytest.raises(RateLimitExceededException):
        limiter.consume("alice")


def test_consume_passes_amount_allowance_and_interval_to_the_backend() -> None:
    """The backend is asked with the key, the amount and the limiter's allowance and
    interval; an amount that does not fit is refused."""
    backend = CountingBackend()
    limiter = RateLimiter(backend, allowance=10, interval=5)
    limiter.consume("k", amount=4)
    with pytest.raises(RateLimitExceededException, match="consuming 7"):
        limiter.consume("k", amount=7)
    assert backend.calls == [("k", 4, 10, 5), ("k", 7, 10, 5)]


@pytest.mark.parametrize("amount", [0, -1, 1.5, True, "1"])
def test_consume_refuses_an_amount_that_is_not_a_positive_integer(amount: Any) -> None:
    """An amount below 1 (which would give allowance back) or not an integer is a
    ValueError naming it, and the backend is not asked."""
    backend = CountingBackend()
    limiter = RateLimiter(backend, allowance=10, interval=5)
    with pytest.raises(
        ValueError, match=rf"amount must be an integer of at least 1, got {amount!r}"
    ):
        limiter.consume("k", amount)
    assert backend.calls == []


@pytest.mark.parametrize(
    ("allowance", "interval", "message"),
    [
        (0, 60, "allowance must be an integer of at least 1, got 0"),
        (-5, 60, "allowance must be an integer of at least 1, got -5"),
        (2.5, 60, "allowance must be an integer of at least 1, got 2.5"),
        (10, 0, "interval must be an integer of at least 1, got 0"),
        (10, True, "interval must be an integer of at least 1, got True"),
        (10, "60", "interval must be an integer of at least 1, got '60'"),
    ],
)
def test_limits_below_one_are_refused_at_construction(
    allowance: Any, interval: Any, message: str
) -> None:
    """The limiter and its context factory both refuse an allowance or interval that is not
    an integer of at least 1, naming the argument and the value."""
    with pytest.raises(ValueError, match=message):
        RateLimiter(CountingBackend(), allowance, interval)
    with pytest.raises(ValueError, match=message):
        RateLimiterContextFactory(BackendFactory(), allowance, interval)


def test_context_factory_makes_a_limiter_on_the_requests_backend() -> None:
    """Each request's limiter counts through the backend the backend factory made for that
    request, with the limiter's context name and the request's span."""
    backend_factory = BackendFactory()
    baseplate = Baseplate()
    baseplate.add_to_context("ratelimiter", RateLimiterContextFactory(backend_factory, 2, 30))
    context = RequestContext()
    with baseplate.make_server_span(context, "handler") as span:
        limiter = context.ratelimiter
        assert isinstance(limiter, RateLimiter)
        assert (limiter.allowance, limiter.interval) == (2, 30)
        limiter.consume("k")
    [(name, made_span, backend)] = backend_factory.made
    assert name == "ratelimiter"
    assert made_span is span
    assert limiter.backend is backend
    assert backend.calls == [("k", 1, 2, 30)]


@pytest.mark.parametrize(
    "error",
    [RateLimitExceededException("user", 2, 10, 60), RateLimitExceededException()],
)
def test_exception_pickles_with_its_attributes(error: RateLimitExceededException) -> None:
    """The exception survives pickling (to another process) with its attributes and text."""
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is RateLimitExceededException
    assert (copy.key, copy.amount, copy.allowance, copy.interval) == (
        error.key,
        error.amount,
        error.allowance,
        error.interval,
    )
    assert str(copy) == str(error)


def test_exception_without_details_says_so() -> None:
    """Raised bare, as code written for the original does, the exception still reads well."""
    assert str(RateLimitExceededException()) == "rate limit exceeded"


def test_backend_interface_is_abstract() -> None:
    """A backend that does not implement consume() cannot be made."""

    class Incomplete(RateLimitBackend):
        pass

    with pytest.raises(TypeError):
        Incomplete()  # type: ignore[abstract]
