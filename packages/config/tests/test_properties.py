"""Property-based tests: for any text, parsers either return or raise ValueError."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baseplate.config import (
    Base64,
    Boolean,
    ConfigSpec,
    ConfigurationError,
    DictOf,
    Endpoint,
    Fallback,
    File,
    Float,
    Integer,
    OneOf,
    Optional,
    Percent,
    String,
    Timespan,
    TupleOf,
    UnixGroup,
    UnixUser,
    parse_config,
)

PARSERS: dict[str, Callable[[str], Any]] = {
    "String": String,
    "Float": Float,
    "Integer": Integer,
    "Integer(base=16)": Integer(base=16),
    "Integer(base=0)": Integer(base=0),
    "Boolean": Boolean,
    "Endpoint": Endpoint,
    "Timespan": Timespan,
    "Base64": Base64,
    "Percent": Percent,
    "UnixUser": UnixUser,
    "UnixGroup": UnixGroup,
    "OneOf": OneOf(red=1, green=2, blue=3),
    "TupleOf(Integer)": TupleOf(Integer),
    "TupleOf(Endpoint)": TupleOf(Endpoint),
    "Optional(Integer)": Optional(Integer),
    "Optional(Timespan)": Optional(Timespan, default=0),
    "Fallback(Timespan, Integer)": Fallback(Timespan, Integer),
    "Fallback(Boolean, Percent)": Fallback(Boolean, Percent),
}

# Text likely to get past the first checks of the parsers, mixed with arbitrary text.
INTERESTING_TEXT = st.one_of(
    st.text(),
    st.text(alphabet="0123456789.:-+_ %[]/eE,abcdfx\t\n\0"),
    st.builds(
        "{} {}".format,
        st.integers(min_value=-(10**30), max_value=10**30),
        st.sampled_from(["second", "days", "Hours", "ms", "minutes", "fortnights"]),
    ),
    st.builds(
        "{}:{}".format,
        st.sampled_from(["localhost", "[::1]", "[x]", "", "::1", "a b"]),
        st.integers(min_value=-10, max_value=10**6),
    ),
    st.from_regex(r"\A[A-Za-z0-9+/=\s]{0,40}\Z"),
)


def outcome(function: Callable[[], Any], expected_error: type[Exception]) -> Any:
    """Call ``function`` and return its result, or the ``expected_error`` it raised.

    Any other exception propagates and fails the test.
    """
    try:
        return function()
    except expected_error as exc:
        return exc


@pytest.mark.parametrize("name", sorted(PARSERS))
@given(text=INTERESTING_TEXT)
def test_parsers_only_raise_value_error(name: str, text: str) -> None:
    """Every parser, alone or composed, returns or raises ValueError (with a message)."""
    result = outcome(lambda: PARSERS[name](text), ValueError)

    if isinstance(result, ValueError):
        assert str(result)


@pytest.mark.parametrize("name", sorted(PARSERS))
@given(text=INTERESTING_TEXT)
def test_parse_config_only_raises_configuration_error(name: str, text: str) -> None:
    """Through parse_config, the only error for a bad value is ConfigurationError for key k."""
    result = outcome(lambda: parse_config({"k": text}, {"k": PARSERS[name]}), ConfigurationError)

    if isinstance(result, ConfigurationError):
        expected = "k"
        assert expected == result.key
        assert str(result).startswith("k: ")


@given(text=st.text())
def test_file_only_raises_value_error(text: str) -> None:
    """File in read mode returns an open file or raises ValueError, even for odd paths."""
    result = outcome(lambda: File(mode="r")(text), ValueError)

    if isinstance(result, ValueError):
        assert str(result)
    else:
        result.close()


@given(raw=st.dictionaries(st.text(max_size=12), INTERESTING_TEXT, max_size=6))
def test_dictof_only_raises_configuration_error(raw: dict[str, str]) -> None:
    """DictOf over arbitrary keys and values yields entries or a ConfigurationError."""
    prefixed = {f"group.{key}": value for key, value in raw.items()}
    specs: list[dict[str, ConfigSpec]] = [
        {"group": DictOf(Optional(Integer))},
        {"group": DictOf({"a": Optional(Boolean), "b": Optional(Timespan)})},
    ]
    for spec in specs:
        result = outcome(functools.partial(parse_config, prefixed, spec), ConfigurationError)

        if isinstance(result, ConfigurationError):
            assert result.key.startswith("group.")
        else:
            assert set(result.group) <= {key.partition(".")[0] for key in raw}


@given(raw=st.dictionaries(st.text(max_size=12), INTERESTING_TEXT, max_size=6))
def test_dictof_at_root_only_raises_configuration_error(raw: dict[str, str]) -> None:
    """A DictOf spanning the whole configuration yields entries or a ConfigurationError."""
    result = outcome(
        lambda: parse_config(raw, DictOf(Fallback(Integer, String))), ConfigurationError
    )

    if isinstance(result, ConfigurationError):
        assert result.key in {key.partition(".")[0] for key in raw}
