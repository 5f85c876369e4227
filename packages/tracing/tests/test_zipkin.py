"""Tests of ZipkinSpan's hand-written JSON encoding against the json module."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from baseplate.diagnostics.tracing import ZipkinEndpoint, ZipkinSpan

ids = st.integers(min_value=0, max_value=2**64 - 1)
micros = st.integers(min_value=0, max_value=2**62)
text = st.text()


spans = st.builds(
    ZipkinSpan,
    trace_id=ids,
    name=text,
    span_id=ids,
    parent_id=ids,
    timestamp=micros,
    duration=micros,
    annotations=st.sampled_from([(), ("sr", "ss"), ("cs", "cr")]),
    binary_annotations=st.lists(st.tuples(text, st.one_of(st.booleans(), text)), max_size=5),
    endpoint=st.builds(ZipkinEndpoint, text, text),
)


@given(span=spans)
def test_to_json_matches_the_json_module(span: ZipkinSpan) -> None:
    """to_json() is byte for byte json.dumps(to_dict()) with compact separators."""
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
