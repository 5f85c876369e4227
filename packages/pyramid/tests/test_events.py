"""Tests of the events the integration sends (baseplate.integration.pyramid._events)."""

from __future__ import annotations


def test_server_span_initialized_is_sent_with_the_request(make_harness) -> None:
    """ServerSpanInitialized carries the request, after the span started, before the view."""
    harness = make_harness()

    harness.app.get("/example")

    (event,) = harness.events
    assert event.request is harness.seen["request"]
    assert harness.seen["at_event"] == (1, "example")
