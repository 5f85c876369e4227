"""Tests for TraceInfo: generation, validation and header parsing."""

from __future__ import annotations

import pytest

from baseplate.core import MAX_ID, TraceInfo, format_traceparent


def _lookup(headers: dict[str, str]):
    lowered = {k.lower(): v for k, v in headers.items()}
    return lambda name: lowered.get(name.lower())


def test_new_starts_a_root_trace():
    """A new trace's root span id equals its trace id, with no parent or decisions."""
    info = TraceInfo.new()
    assert info.span_id == info.trace_id
    assert (info.parent_id, info.sampled, info.flags) == (None, None, None)
    assert 0 <= info.trace_id < MAX_ID


def test_new_ids_differ():
    """Each new trace gets its own random id."""
    assert len({TraceInfo.new().trace_id for _ in range(100)}) == 100


def test_from_upstream_accepts_valid_values():
    """Valid upstream values are kept as given."""
    info = TraceInfo.from_upstream(1, 2, 3, True, 1)
    assert info == TraceInfo(1, 2, 3, True, 1)


def test_from_upstream_accepts_missing_parent():
    """A root span from upstream (no parent) is accepted."""
    assert TraceInfo.from_upstream(1, None, 3, None, None).parent_id is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((None, 2, 3, None, None), "trace_id is required"),
        ((1, 2, None, None, None), "span_id is required"),
        ((-1, 2, 3, None, None), r"trace_id must be in \[0, 2\*\*64\)"),
        ((2**64, 2, 3, None, None), "trace_id must be in"),
        ((1, 2**64, 3, None, None), "parent_id must be in"),
        ((1, 2, 2**64, None, None), "span_id must be in"),
        ((1, 2, 3, "1", None), "sampled must be a bool or None"),
        ((1, 2, 3, None, -1), "flags must be in"),
        ((1, 2, 3, None, 2**64), "flags must be in"),
        ((True, 2, 3, None, None), "trace_id must be an int"),
        (("1", 2, 3, None, None), "trace_id must be an int"),
    ],
)
def test_from_upstream_rejects_bad_values(args, message):
    """Out-of-range or mistyped values raise ValueError naming the field."""
    with pytest.raises(ValueError, match=message):
        TraceInfo.from_upstream(*args)


def test_from_upstream_accepts_boundaries():
    """0 and 2**64-1 are valid identifiers."""
    info = TraceInfo.from_upstream(0, 0, MAX_ID - 1, False, MAX_ID - 1)
    assert info.span_id == 2**64 - 1


def test_from_headers_absent_returns_none():
    """No trace headers means no upstream trace."""
    assert TraceInfo.from_headers(_lookup({"Other": "1"})) is None


def test_from_headers_reads_baseplate_headers():
    """Trace/Span/Parent/Sampled/Flags are read as decimal, case-insensitively."""
    headers = {"trace": "1234", "SPAN": "3456", "Parent": "2345", "sampled": "1", "Flags": "1"}
    assert TraceInfo.from_headers(_lookup(headers)) == TraceInfo(1234, 2345, 3456, True, 1)


def test_from_headers_prefix():
    """HTTP integrations read X-prefixed headers."""
    headers = {"X-Trace": "1", "X-Span": "3", "X-Parent": "2", "X-Sampled": "0"}
    assert TraceInfo.from_headers(_lookup(headers), prefix="X-") == TraceInfo(1, 2, 3, False, None)


def test_from_headers_absent_sampled_and_flags_are_none():
    """Without Sampled the upstream made no decision; without Flags there are none."""
    info = TraceInfo.from_headers(_lookup({"Trace": "1", "Span": "3", "Parent": "2"}))
    assert (info.sampled, info.flags) == (None, None)


def test_from_headers_b3_hex_ids():
    """B3 aliases carry hexadecimal ids as the B3 specification writes them."""
    headers = {
        "B3-TraceId": "463ac35c9f6413ad",
        "B3-SpanId": "a2fb4a1d1a96d312",
        "B3-ParentSpanId": "0020000000000001",
        "B3-Sampled": "1",
    }
    info = TraceInfo.from_headers(_lookup(headers))
    assert info == TraceInfo(0x463AC35C9F6413AD, 0x0020000000000001, 0xA2FB4A1D1A96D312, True, None)


def test_from_headers_b3_128_bit_trace_keeps_low_64_bits():
    """A 128-bit B3 trace id is reduced to its low 64 bits."""
    headers = {"B3-TraceId": "463ac35c9f6413ad48485a3953bb6124", "B3-SpanId": "a2fb4a1d1a96d312"}
    assert TraceInfo.from_headers(_lookup(headers)).trace_id == 0x48485A3953BB6124


def test_from_headers_b3_decimal_ids():
    """B3 aliases with decimal ids of other lengths, as the original sent, still parse."""
    headers = {"B3-TraceId": "1234", "B3-SpanId": "3456", "B3-ParentSpanId": "2345"}
    assert TraceInfo.from_headers(_lookup(headers)) == TraceInfo(1234, 2345, 3456, None, None)


def test_from_headers_agreeing_aliases():
    """A header and its alias may both be present when they agree."""
    headers = {"Trace": "1234", "B3-TraceId": "1234", "Span": "2", "Parent": "1"}
    assert TraceInfo.from_headers(_lookup(headers)).trace_id == 1234


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"Trace": "1", "B3-TraceId": "2", "Span": "3"}, "conflicting values for Trace"),
        ({"Trace": "abc", "Span": "3"}, "Trace must be a decimal integer"),
        ({"Trace": "-1", "Span": "3"}, "Trace must be a decimal integer"),
        ({"Trace": "1"}, "without a span id"),
        ({"Trace": "1", "Span": "3", "Sampled": "yes"}, "Sampled must be 1 or 0"),
        ({"Trace": "1", "Span": "3", "Flags": "x"}, "Flags must be a decimal integer"),
        ({"Trace": str(2**64), "Span": "3"}, "trace_id must be in"),
        ({"B3-TraceId": "zz", "B3-SpanId": "3"}, "B3-TraceId must be 16 or 32 hex digits"),
    ],
)
def test_from_headers_malformed(headers, message):
    """Malformed or conflicting headers raise ValueError saying what is wrong."""
    with pytest.raises(ValueError, match=message):
        TraceInfo.from_headers(_lookup(headers))


def test_traceparent_example_from_w3c_spec():
    """The W3C specification's example header maps onto 64-bit ids."""
    info = TraceInfo.from_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    assert info == TraceInfo(0xA3CE929D0E0E4736, None, 0x00F067AA0BA902B7, True, None)


def test_traceparent_not_sampled():
    """The sampled bit off means not sampled."""
    info = TraceInfo.from_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
    assert info.sampled is False


@pytest.mark.parametrize(
    "header",
    [
        "",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
    ],
)
def test_traceparent_malformed(header):
    """Malformed, reserved-version and all-zero headers are rejected."""
    with pytest.raises(ValueError, match="traceparent"):
        TraceInfo.from_traceparent(header)


def test_traceparent_with_zero_low_bits_keeps_the_high_bits():
    """A 128-bit trace id whose low 64 bits are zero still gives a non-zero trace id."""
    info = TraceInfo.from_traceparent("00-00000000000000010000000000000000-00f067aa0ba902b7-01")
    assert info.trace_id == 1
    other = TraceInfo.from_traceparent("00-4bf92f3577b34da60000000000000000-00f067aa0ba902b7-01")
    assert other.trace_id == 0x4BF92F3577B34DA6


def test_format_traceparent():
    """Outbound traceparent pads the trace id to 128 bits and sets the sampled bit."""
    assert (
        format_traceparent(1, 2, True) == "00-00000000000000000000000000000001-0000000000000002-01"
    )
    assert format_traceparent(MAX_ID - 1, 255, None).endswith("-00000000000000ff-00")


def test_from_headers_falls_back_to_traceparent_only_when_asked():
    """Baseplate's headers win; traceparent (no prefix) is read only with traceparent=True."""
    header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    only_w3c = {"traceparent": header}.get
    assert TraceInfo.from_headers(only_w3c, prefix="X-") is None
    assert TraceInfo.from_headers(only_w3c, prefix="X-", traceparent=True) == (
        TraceInfo.from_traceparent(header)
    )
    both = {"traceparent": header, "X-Trace": "5", "X-Span": "6"}.get
    assert TraceInfo.from_headers(both, prefix="X-", traceparent=True) == (5, None, 6, None, None)
    with pytest.raises(ValueError, match="traceparent"):
        TraceInfo.from_headers({"traceparent": "00-zz-yy-01"}.get, traceparent=True)
