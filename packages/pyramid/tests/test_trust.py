"""Tests of the header trust policies (baseplate.integration.pyramid._trust)."""

from __future__ import annotations

import pytest

from baseplate.core import Baseplate
from baseplate.integration.pyramid import (
    BaseplateConfigurator,
    HeaderTrustHandler,
    StaticTrustHandler,
)


def test_static_trust_handler_trusts_nothing_by_default() -> None:
    """StaticTrustHandler() and the configurator's default trust neither kind of header."""
    handler = BaseplateConfigurator(Baseplate()).header_trust_handler
    assert isinstance(handler, StaticTrustHandler)
    for candidate in (StaticTrustHandler(), handler):
        assert candidate.should_trust_trace_headers(None) is False
        assert candidate.should_trust_edge_context_payload(None) is False


def test_header_trust_handler_is_abstract() -> None:
    """HeaderTrustHandler cannot be used without implementing both methods."""
    with pytest.raises(TypeError, match="abstract"):
        HeaderTrustHandler()  # type: ignore[abstract]


def test_static_trust_handler_rejects_non_bool() -> None:
    """A string such as "false" from a config file is not silently truthy."""
    with pytest.raises(TypeError, match="trust_headers must be a bool, got 'false'"):
        StaticTrustHandler("false")  # type: ignore[arg-type]
