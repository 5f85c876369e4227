"""Property tests of the configuration value parsers on any text.

A configuration file is not the network, but its values reach these parsers unchecked:
each returns a value or raises ``ValueError`` (its documented error), never anything else
and never hangs. ``BASEPLATE_FUZZ_PROFILE=fuzz`` (``nox -s fuzz``) runs 10,000 examples of
each; the gate runs a few hundred.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from baseplate_testing import fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from baseplate import config

PARSERS: dict[str, Callable[[str], Any]] = {
    "String": config.String,
    "Float": config.Float,
    "Integer": config.Integer,
    "Integer(base=16)": config.Integer(base=16),
    "PositiveInteger": config.PositiveInteger,
    "Boolean": config.Boolean,
    "Percent": config.Percent,
    "Timespan": config.Timespan,
    "TimespanOrSeconds": config.TimespanOrSeconds,
    "Base64": config.Base64,
    "Endpoint": config.Endpoint,
    "OneOf": config.OneOf(a=1, b=2),
    "TupleOf(Integer)": config.TupleOf(config.Integer),
    "Optional(Float)": config.Optional(config.Float),
    "Fallback(Integer, Boolean)": config.Fallback(config.Integer, config.Boolean),
    "Positive(Float)": config.Positive(config.Float),
}

texts = st.one_of(
    st.text(max_size=60),
    st.text("0123456789.-+e ,:[]abcdefinf", max_size=40),
    st.builds(
        lambda number, unit: f"{number} {unit}",
        st.one_of(st.integers(-(10**30), 10**30), st.floats(allow_nan=True)),
        st.sampled_from(["seconds", "second", "minutes", "hours", "days", "weeks", "ms", "x"]),
    ),
    st.sampled_from(["9" * 5000, "1e309", "nan", "-0", "[::1]:80", "[::1]", "host:99999"]),
)


@pytest.mark.parametrize("name", PARSERS)
@fuzz_settings()
@given(text=texts)
def test_a_parser_returns_a_value_or_raises_value_error(name: str, text: str) -> None:
    with contextlib.suppress(ValueError):
        PARSERS[name](text)
