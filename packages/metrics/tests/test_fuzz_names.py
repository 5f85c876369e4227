"""Property tests of the statsd name sanitizer on any span name.

``sanitize_node`` never raises and always returns a node :func:`join_name` accepts, of the
same length (one character for one). ``BASEPLATE_FUZZ_PROFILE=fuzz`` (``nox -s fuzz``)
runs 10,000 examples; the gate runs a few hundred.
"""

from __future__ import annotations

from baseplate_testing import fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from baseplate.metrics._names import join_name, sanitize_node


@fuzz_settings()
@given(st.text(max_size=200))
def test_a_sanitized_node_is_a_valid_name_of_the_same_length(node: str) -> None:
    sanitized = sanitize_node(node)
    assert len(node) == len(sanitized)
    assert sanitized == sanitize_node(sanitized)
    if sanitized.strip("."):
        assert join_name("ns", sanitized) == "ns." + sanitized.strip(".")
