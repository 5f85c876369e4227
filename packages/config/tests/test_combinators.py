"""Tests for the parsers built from other parsers: OneOf, TupleOf, Optional, Fallback, Positive."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

import pytest

from baseplate.config import (
    ConfigurationError,
    Fallback,
    Float,
    Integer,
    OneOf,
    Optional,
    Positive,
    String,
    Timespan,
    TimespanOrSeconds,
    TupleOf,
    parse_config,
)

CARDS = OneOf(clubs=1, spades=2, diamonds=3, hearts=4)


def test_one_of_maps_word_to_value() -> None:
    """OneOf's documented example: hearts parses to "H"."""
    expected = "H"
    assert expected == OneOf(hearts="H", spades="S")("hearts")


def test_one_of_is_case_sensitive() -> None:
    """Words must match exactly."""
    with pytest.raises(ValueError, match="got 'Hearts'"):
        OneOf(hearts="H")("Hearts")


def test_one_of_lists_choices_and_value() -> None:
    """The error lists the accepted words and quotes the one received."""
    expected = "expected one of 'clubs', 'spades', 'diamonds', 'hearts', got 'jokers'"

    with pytest.raises(ValueError, match=f"^{expected}$"):
        CARDS("jokers")


def test_one_of_needs_options() -> None:
    """OneOf() with nothing to choose from is a programming error."""
    with pytest.raises(ValueError, match="OneOf needs at least one option"):
        OneOf()


def test_tuple_of_splits_strips_and_parses() -> None:
    """Items are split on commas, stripped, and parsed in order."""
    expected = [1, 2, 3]
    assert expected == TupleOf(CARDS)("clubs, spades ,diamonds")


def test_tuple_of_drops_empty_items() -> None:
    """Empty items, e.g. from a trailing comma, are dropped."""
    expected = ["a", "b"]
    assert expected == TupleOf(String)("a,, b ,")


def test_tuple_of_single_item() -> None:
    """One item is enough."""
    expected = [7]
    assert expected == TupleOf(Integer)("7")


@pytest.mark.parametrize("text", ["", " ", ",", " , ,"])
def test_tuple_of_requires_an_item(text: str) -> None:
    """A list with no items is refused."""
    with pytest.raises(ValueError, match=f"at least one item, got {re.escape(repr(text))}"):
        TupleOf(Integer)(text)


def test_tuple_of_names_bad_item() -> None:
    """The error says which item was rejected and why."""
    expected = r"item 2 of list '1, x, 3': expected a whole number, got 'x'"

    with pytest.raises(ValueError, match=f"^{expected}$"):
        TupleOf(Integer)("1, x, 3")


def test_optional_empty_gives_default() -> None:
    """An empty value returns the default, which is None unless given."""
    assert Optional(Integer)("") is None
    expected = 9001
    assert expected == Optional(Integer, default=9001)("")


def test_optional_passes_value_through() -> None:
    """A present value is parsed by the wrapped parser."""
    expected = 5
    assert expected == Optional(Integer, default=9001)("5")


def test_optional_propagates_errors() -> None:
    """A present but bad value is still an error."""
    with pytest.raises(ValueError, match="expected a whole number, got 'five'"):
        Optional(Integer)("five")


def test_optional_allows_empty_list() -> None:
    """Wrapping TupleOf in Optional makes an empty list acceptable."""
    expected: list[int] = []
    assert expected == Optional(TupleOf(Integer), default=[])("")


def test_fallback_prefers_primary() -> None:
    """When the first parser accepts the value, its result is used."""
    assert datetime.timedelta(seconds=30) == Fallback(Timespan, Integer)("30 seconds")


def test_fallback_uses_secondary() -> None:
    """When the first parser raises ValueError, the second one is tried."""
    expected = 30
    assert expected == Fallback(Timespan, Integer)("30")


def test_fallback_reports_both_errors() -> None:
    """When both parsers fail, both reasons are given."""
    with pytest.raises(
        ValueError, match=r"span of time .*; alternatively, expected a whole number"
    ):
        Fallback(Timespan, Integer)("soon")


def test_fallback_does_not_hide_bugs() -> None:
    """Only ValueError triggers the fallback; other exceptions are bugs and propagate."""

    def broken(text: str) -> int:
        raise ZeroDivisionError(text)

    with pytest.raises(ZeroDivisionError):
        Fallback(broken, Integer)("3")


@pytest.mark.parametrize(
    ("parser", "text", "expected"),
    [
        (Positive(Integer), "1", 1),
        (Positive(Float), "0.001", 0.001),
        (Positive(Float), "inf", float("inf")),
        (Positive(Timespan), "1 millisecond", datetime.timedelta(milliseconds=1)),
        (Positive(TimespanOrSeconds), "0.5", datetime.timedelta(seconds=0.5)),
    ],
)
def test_positive_passes_values_above_zero(
    parser: Callable[[str], object], text: str, expected: object
) -> None:
    """A value greater than zero comes back unchanged, whatever its type."""
    assert expected == parser(text)


@pytest.mark.parametrize(
    ("parser", "text", "message"),
    [
        (Positive(Integer), "0", "expected a number greater than zero, got '0'"),
        (Positive(Integer), "-3", "expected a number greater than zero, got '-3'"),
        (Positive(Float), "-0.0", "expected a number greater than zero, got '-0.0'"),
        (Positive(Float), "nan", "expected a number greater than zero, got 'nan'"),
        (
            Positive(Timespan),
            "0 seconds",
            "expected a span of time longer than zero, got '0 seconds'",
        ),
        (Positive(TimespanOrSeconds), "0", "expected a span of time longer than zero, got '0'"),
    ],
)
def test_positive_refuses_zero_and_below(
    parser: Callable[[str], object], text: str, message: str
) -> None:
    """Zero (of the value's own type) and anything below it is refused, quoting the value."""
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        parser(text)


def test_positive_passes_on_the_inner_error() -> None:
    """A value the wrapped parser refuses keeps that parser's message."""
    with pytest.raises(ValueError, match=r"^expected a whole number, got 'many'$"):
        Positive(Integer)("many")


def test_positive_errors_name_the_key() -> None:
    """Through parse_config, a value that is not positive is a ConfigurationError on its key."""
    spec = {"pool": {"timeout": Optional(Positive(Timespan), default=None)}}
    with pytest.raises(ConfigurationError, match=r"^pool\.timeout: expected a span of time longer"):
        parse_config({"pool.timeout": "0 seconds"}, spec)
