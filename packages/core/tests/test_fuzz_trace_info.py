"""Property tests of the trace-header parsers on values a caller chose.

``TraceInfo.from_headers`` (``Trace``/``Span``/``Parent``/``Sampled``/``Flags``, their B3
aliases and, with ``traceparent=True``, W3C ``traceparent``) and ``from_traceparent`` return
a :class:`TraceInfo` (or ``None`` for no trace headers) or raise ``ValueError``; nothing
else, and no hang. ``BASEPLATE_FUZZ_PROFILE=fuzz`` (``nox -s fuzz``) runs 10,000 examples
of each; the gate runs a few hundred.
"""

from __future__ import annotations

from baseplate_testing import fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from baseplate.core import TraceInfo

NAMES = [
    "Trace",
    "Span",
    "Parent",
    "Sampled",
    "Flags",
    "B3-TraceId",
    "B3-SpanId",
    "B3-ParentSpanId",
    "B3-Sampled",
    "B3-Flags",
]
MAX_ID = 2**64

hex_digits = st.text("0123456789abcdefABCDEF", min_size=0, max_size=34)
values = st.one_of(
    st.text(max_size=40),
    st.integers(-(2**70), 2**70).map(str),
    hex_digits,
    st.sampled_from(["1", "0", "true", "false", "d", " 1 ", "", "٣", "1\x00", "9" * 5000]),
)
traceparents = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda version, trace, parent, flags, rest: f"{version}-{trace}-{parent}-{flags}{rest}",
        st.sampled_from(["00", "01", "ff", "0", "zz"]),
        hex_digits,
        hex_digits,
        st.text("0123456789abcdef", max_size=3),
        st.sampled_from(["", "-x", "--", " "]),
    ),
)


def check(result: TraceInfo | None) -> None:
    if result is None:
        return
    assert isinstance(result, TraceInfo)
    for value in (result.trace_id, result.span_id, result.parent_id, result.flags):
        assert value is None or 0 <= value < MAX_ID
    assert result.sampled in (None, True, False)


@fuzz_settings()
@given(
    st.dictionaries(st.sampled_from(NAMES), values, max_size=6),
    st.sampled_from(["X-", ""]),
    st.one_of(st.none(), traceparents),
)
def test_from_headers_returns_trace_info_or_raises_value_error(
    headers: dict[str, str], prefix: str, traceparent: str | None
) -> None:
    """Any mix of the headers (looked up case-insensitively, as the integrations do)."""
    sent = {(prefix + name).lower(): value for name, value in headers.items()}
    if traceparent is not None:
        sent["traceparent"] = traceparent
    try:
        result = TraceInfo.from_headers(
            lambda name: sent.get(name.lower()), prefix, traceparent=True
        )
    except ValueError:
        return
    check(result)


@fuzz_settings()
@given(traceparents)
def test_from_traceparent_returns_trace_info_or_raises_value_error(header: str) -> None:
    try:
        result = TraceInfo.from_traceparent(header)
    except ValueError:
        return
    check(result)
