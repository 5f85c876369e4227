"""Tests for the parsers of plain values: strings, numbers, flags, percentages, spans, base64."""

from __future__ import annotations

import datetime
import re

import pytest

from baseplate.config import (
    Base64,
    Boolean,
    ConfigurationError,
    Float,
    Integer,
    Percent,
    PositiveInteger,
    String,
    Timespan,
    TimespanOrSeconds,
    parse_config,
)


def test_string_returns_text_unchanged() -> None:
    """A non-empty string comes back exactly as written, whitespace included."""
    expected = " hello world "
    assert expected == String(" hello world ")


def test_string_rejects_empty() -> None:
    """An empty value (also what a missing key looks like) is an error."""
    with pytest.raises(ValueError, match="expected a non-empty string, got ''"):
        String("")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.5", 1.5), ("-2", -2.0), ("2e-3", 0.002), (" 7 ", 7.0), ("0", 0.0)],
)
def test_float_parses_numbers(text: str, expected: float) -> None:
    """Anything float() reads is accepted."""
    assert expected == Float(text)


@pytest.mark.parametrize("text", ["", "one", "1.5.2", "1,5"])
def test_float_rejects_non_numbers(text: str) -> None:
    """The error quotes the value that was received."""
    with pytest.raises(
        ValueError, match=f"expected a floating-point number, got {re.escape(repr(text))}"
    ):
        Float(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("42", 42), ("-7", -7), ("0", 0), (" 12 ", 12), ("1_000", 1000)],
)
def test_integer_parses_decimal(text: str, expected: int) -> None:
    """Integer used directly parses base-10 whole numbers."""
    assert expected == Integer(text)


def test_integer_with_base_returns_parser() -> None:
    """Integer(base=N) returns a parser for numbers written in base N."""
    octal = Integer(base=8)
    hexadecimal = Integer(base=16)

    expected = [0o644, 255]
    assert expected == [octal("644"), hexadecimal("ff")]


def test_integer_with_text_and_base() -> None:
    """Integer(text, base=N) parses directly in base N."""
    expected = 5
    assert expected == Integer("101", base=2)


def test_integer_base_zero_reads_prefix() -> None:
    """With base 0 the base comes from the number's prefix."""
    parse = Integer(base=0)

    expected = [255, 8, 5]
    assert expected == [parse("0xff"), parse("0o10"), parse("0b101")]


@pytest.mark.parametrize("text", ["3.5", "3.0", "1e3"])
def test_integer_rejects_non_whole_numbers(text: str) -> None:
    """Fractions and exponents are refused, with a hint, instead of being rounded."""
    with pytest.raises(ValueError, match="without a fractional part or an exponent") as info:
        Integer(text)
    assert f"expected a whole number, got {text!r}" in str(info.value)


@pytest.mark.parametrize("text", ["", "ten", "12abc"])
def test_integer_rejects_non_numbers(text: str) -> None:
    """The error quotes the value that was received."""
    with pytest.raises(ValueError, match=f"^expected a whole number, got {re.escape(repr(text))}$"):
        Integer(text)


def test_integer_error_mentions_base() -> None:
    """A number that is invalid in a non-decimal base names the base."""
    with pytest.raises(ValueError, match="expected a whole number in base 8, got '9'"):
        Integer(base=8)("9")


@pytest.mark.parametrize("base", [1, 37, -2])
def test_integer_rejects_invalid_base_immediately(base: int) -> None:
    """A bad base is a programming error reported when the parser is made."""
    with pytest.raises(ValueError, match=f"Integer base must be 0 or between 2 and 36, got {base}"):
        Integer(base=base)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("True", True), ("TRUE", True), ("false", False), ("FaLsE", False)],
)
def test_boolean_is_case_insensitive(text: str, expected: bool) -> None:
    """Only true and false are accepted, in any letter case."""
    assert expected is Boolean(text)


@pytest.mark.parametrize("text", ["", "yes", "no", "1", "0", "on", " true"])
def test_boolean_rejects_other_words(text: str) -> None:
    """Anything but true/false is refused, and the error quotes it."""
    with pytest.raises(
        ValueError, match=f"expected 'true' or 'false' .*got {re.escape(repr(text))}"
    ):
        Boolean(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("37.5%", 0.375), ("0%", 0.0), ("100%", 1.0), ("44%", 0.44), ("12.5 %", 0.125)],
)
def test_percent_returns_fraction(text: str, expected: float) -> None:
    """A percentage is converted to a fraction of one."""
    assert expected == pytest.approx(Percent(text))


@pytest.mark.parametrize("text", ["37.5", "", "0.5"])
def test_percent_requires_percent_sign(text: str) -> None:
    """A bare number is refused so 0.5 and 0.5% cannot be confused."""
    with pytest.raises(ValueError, match=f"ending with '%'.*got {re.escape(repr(text))}"):
        Percent(text)


@pytest.mark.parametrize("text", ["%", "abc%", "1.2.3%"])
def test_percent_requires_number(text: str) -> None:
    """The part before the sign must be a number."""
    with pytest.raises(
        ValueError, match=f"expected a percentage like '37.5%', got {re.escape(repr(text))}"
    ):
        Percent(text)


@pytest.mark.parametrize("text", ["100.1%", "-1%", "nan%", "inf%"])
def test_percent_must_be_within_bounds(text: str) -> None:
    """Values outside 0%..100% are refused."""
    with pytest.raises(ValueError, match=f"between 0% and 100%, got {re.escape(repr(text))}"):
        Percent(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 millisecond", datetime.timedelta(milliseconds=1)),
        ("250 milliseconds", datetime.timedelta(milliseconds=250)),
        ("1 second", datetime.timedelta(seconds=1)),
        ("30 seconds", datetime.timedelta(seconds=30)),
        ("1 minute", datetime.timedelta(minutes=1)),
        ("5 minutes", datetime.timedelta(minutes=5)),
        ("1 hour", datetime.timedelta(hours=1)),
        ("12 hours", datetime.timedelta(hours=12)),
        ("1 day", datetime.timedelta(days=1)),
        ("3 days", datetime.timedelta(days=3)),
        ("0 seconds", datetime.timedelta(0)),
        ("2 Seconds", datetime.timedelta(seconds=2)),
        ("  4   hours ", datetime.timedelta(hours=4)),
    ],
)
def test_timespan_accepts_singular_and_plural_units(
    text: str, expected: datetime.timedelta
) -> None:
    """Every unit works in the singular and the plural."""
    assert expected == Timespan(text)


@pytest.mark.parametrize("text", ["", "3", "seconds", "3 4 seconds", "3seconds"])
def test_timespan_requires_number_and_unit(text: str) -> None:
    """The value must be exactly a number and a unit."""
    with pytest.raises(ValueError, match=f"'<number> <unit>'.*got {re.escape(repr(text))}"):
        Timespan(text)


@pytest.mark.parametrize("text", ["3 weeks", "3 secs", "3 s", "3 secondss"])
def test_timespan_rejects_unknown_units(text: str) -> None:
    """An unknown unit is named and the accepted units are listed."""
    with pytest.raises(ValueError, match="unknown unit") as info:
        Timespan(text)
    message = str(info.value)
    assert repr(text.split()[1]) in message
    assert "millisecond(s), second(s), minute(s), hour(s), day(s)" in message


@pytest.mark.parametrize("text", ["1.5 seconds", "-3 seconds", "three seconds", "½ day"])
def test_timespan_rejects_bad_numbers(text: str) -> None:
    """The count must be a whole, non-negative number."""
    with pytest.raises(ValueError, match=f"whole, non-negative number .*{re.escape(repr(text))}"):
        Timespan(text)


def test_timespan_rejects_overflow() -> None:
    """A span too long for timedelta is a ValueError, not an OverflowError."""
    with pytest.raises(ValueError, match="is too long"):
        Timespan("99999999999999 days")


def test_base64_decodes() -> None:
    """Valid base64 decodes to bytes."""
    expected = b"hello, world"

    assert expected == Base64("aGVsbG8sIHdvcmxk")


def test_base64_ignores_whitespace() -> None:
    """Line breaks let long values span several lines of an INI file."""
    expected = b"hello, world"
    assert expected == Base64("aGVsbG8s\n  IHdvcmxk\n")


@pytest.mark.parametrize("text", ["", "   ", "not base64!", "aGVsbG8", "aGVs*G8=", "é"])
def test_base64_rejects_invalid(text: str) -> None:
    """Empty values, bad characters and bad padding are refused."""
    with pytest.raises(
        ValueError, match=f"expected base64-encoded data, got {re.escape(repr(text))}"
    ):
        Base64(text)


def test_long_values_are_shortened_in_messages() -> None:
    """A huge value is cut in the error message, which says how long it was."""
    with pytest.raises(ValueError, match=r"\.\.\. \(5000 characters\)"):
        Float("x" * 5000)


@pytest.mark.parametrize(("text", "expected"), [("1", 1), (" 42 ", 42), ("1_000", 1000)])
def test_positive_integer_parses_whole_numbers_from_one(text: str, expected: int) -> None:
    """Whole numbers of at least 1 are read as Integer reads them."""
    assert expected == PositiveInteger(text)


@pytest.mark.parametrize("text", ["0", "-1"])
def test_positive_integer_refuses_zero_and_below(text: str) -> None:
    """Zero and negative numbers are refused with the value quoted."""
    with pytest.raises(
        ValueError, match=f"^expected a whole number of at least 1, got {re.escape(repr(text))}$"
    ):
        PositiveInteger(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [("many", "expected a whole number, got 'many'"), ("2.5", "without a fractional part")],
)
def test_positive_integer_refuses_non_integers(text: str, message: str) -> None:
    """Text that is not a whole number gets Integer's message."""
    with pytest.raises(ValueError, match=message):
        PositiveInteger(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30 seconds", datetime.timedelta(seconds=30)),
        ("500 milliseconds", datetime.timedelta(milliseconds=500)),
        ("30", datetime.timedelta(seconds=30)),
        ("0.5", datetime.timedelta(seconds=0.5)),
        ("0", datetime.timedelta(0)),
        ("0 seconds", datetime.timedelta(0)),
    ],
)
def test_timespan_or_seconds_reads_both_forms(text: str, expected: datetime.timedelta) -> None:
    """A Timespan or a plain non-negative number of seconds, zero included."""
    assert expected == TimespanOrSeconds(text)


@pytest.mark.parametrize(
    ("text", "second_reason"),
    [
        ("soon", "expected a number of seconds, got 'soon'"),
        ("", "expected a number of seconds, got ''"),
        ("-1", "expected a non-negative number of seconds, got '-1'"),
        ("nan", "expected a non-negative number of seconds, got 'nan'"),
        ("1e9", "expected a non-negative number of seconds, got '1e9'"),
    ],
)
def test_timespan_or_seconds_gives_both_reasons(text: str, second_reason: str) -> None:
    """A refused value gets Timespan's reason, then why it is not a number of seconds."""
    with pytest.raises(
        ValueError, match=f"^expected a span of time .*; alternatively, {re.escape(second_reason)}$"
    ):
        TimespanOrSeconds(text)


@pytest.mark.parametrize(
    ("spec", "value", "message"),
    [
        ({"workers": PositiveInteger}, "0", r"^workers: expected a whole number of at least 1"),
        ({"stop_timeout": TimespanOrSeconds}, "-1", r"^stop_timeout: expected a span of time"),
    ],
)
def test_new_parsers_errors_name_the_key(spec: dict[str, object], value: str, message: str) -> None:
    """Through parse_config, their errors are ConfigurationErrors naming the key."""
    (key,) = spec
    with pytest.raises(ConfigurationError, match=message):
        parse_config({key: value}, spec)
