"""Tests of ZipkinSpan's hand-written JSON encoding against the json module."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from baseplate.diagnostics.tracing import ZipkinEndpoint, ZipkinSpan

ids = st.integers(min_value=0, max_value=2**64 - 1)
micros = st.integers(min_value=0, max_value=2**62)
text = st.text()


@given(
    trace_id=ids,
    name=text,
    span_id=ids,
    parent_id=ids,
    timestamp=micros,
    duration=micros,
    annotations=st.sampled_from([(), ("sr", "ss"), ("cs", "cr")]),
    binary=st.lists(st.tuples(text, st.one_of(st.booleans(), text)), max_size=5),
    service=text,
    ipv4=text,
)
def test_to_json_matches_the_json_module(
    trace_id: int,
    name: str,
    span_id: int,
    parent_id: int,
    timestamp: int,
    duration: int,
    annotations: tuple[str, str] | tuple[()],
    binary: list[tuple[str, bool | str]],
    service: str,
    ipv4: str,
) -> None:
    """to_json() is byte for byte json.dumps(to_dict()) with compact separators."""
    span = ZipkinSpan(
        trace_id,
        name,
        span_id,
        parent_id,
        timestamp,
        duration,
        annotations,
        binary,
        ZipkinEndpoint(service, ipv4),
    )
    assert span.to_json() == json.dumps(span.to_dict(), separators=(",", ":")).encode()


def test_to_dict_is_the_zipkin_v1_shape() -> None:
    """to_dict() has the Zipkin v1 keys, the end annotation at timestamp + duration."""
    endpoint = {"serviceName": "svc", "ipv4": "10.1.2.3"}
    span = ZipkinSpan(
        1, "op", 2, 0, 1_000, 25, ("sr", "ss"), [("lc", "c")], ZipkinEndpoint("svc", "10.1.2.3")
    )
    assert span.to_dict() == {
        "traceId": 1,
        "name": "op",
        "id": 2,
        "timestamp": 1_000,
        "duration": 25,
        "annotations": [
            {"endpoint": endpoint, "timestamp": 1_000, "value": "sr"},
            {"endpoint": endpoint, "timestamp": 1_025, "value": "ss"},
        ],
        "binaryAnnotations": [{"key": "lc", "value": "c", "endpoint": endpoint}],
        "parentId": 0,
    }


def test_non_ascii_text_is_escaped() -> None:
    """Names and values are written as ASCII JSON escapes, as json.dumps does by default."""
    span = ZipkinSpan(1, "é\n", 2, 0, 3, 4, (), [("k", '"ü"')], ZipkinEndpoint("s", "i"))
    assert b'"name":"\\u00e9\\n"' in span.to_json()
    assert b'"value":"\\"\\u00fc\\""' in span.to_json()
