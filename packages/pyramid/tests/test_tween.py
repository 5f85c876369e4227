"""Tests of the tween that finishes each request's server span
(baseplate.integration.pyramid._tween): the status tag, and which exception the span reports."""

from __future__ import annotations

import pytest
from pyramid.httpexceptions import HTTPServiceUnavailable


def test_matched_route_without_matching_view_is_traced_as_404(make_harness) -> None:
    """A matched route whose view predicates fail gets a span, a 404 tag and no error."""
    harness = make_harness()

    harness.app.get("/post_only", status=404)

    span = harness.only_span()
    assert span.name == "post_only"
    assert span.tags["http.status_code"] == 404
    assert span.exc_info is None
    assert span.finished == 1


def test_unhandled_exception_is_reported_and_answered_500(make_harness, view_errors) -> None:
    """An exception no view handles finishes the span with it and the server answers 500."""
    harness = make_harness(wrap=True)

    response = harness.app.get("/error", status=500)

    assert response.body == b"internal error"
    span = harness.only_span()
    assert span.exc_info is not None
    assert view_errors.Boom is span.exc_info[0]
    assert str(span.exc_info[1]) == "unhandled"
    assert span.tags["http.status_code"] == 500
    assert (span.started, span.finished) == (1, 1)


def test_unhandled_exception_propagates_to_the_server(make_harness, view_errors) -> None:
    """The integration re-raises the exception rather than swallowing it."""
    harness = make_harness()

    with pytest.raises(view_errors.Boom, match="unhandled"):
        harness.app.get("/error")

    assert harness.only_span().finished == 1


def test_exception_view_does_not_hide_the_exception(make_harness, view_errors) -> None:
    """An exception rendered by an exception view is still reported, with the view's status."""
    harness = make_harness()

    response = harness.app.get("/handled", status=502)

    assert response.body == b"handled"
    span = harness.only_span()
    assert span.exc_info is not None
    assert view_errors.Handled is span.exc_info[0]
    assert span.tags["http.status_code"] == 502
    assert span.finished == 1


def test_failing_exception_view_reports_its_own_exception(make_harness, view_errors) -> None:
    """If the exception view itself raises, that exception is reported and propagates."""
    harness = make_harness()

    with pytest.raises(view_errors.ExceptionViewFailed):
        harness.app.get("/bad_exception_view")

    span = harness.only_span()
    assert span.exc_info is not None
    assert view_errors.ExceptionViewFailed is span.exc_info[0]
    assert span.tags["http.status_code"] == 500


def test_http_exception_below_500_is_control_flow(make_harness) -> None:
    """A raised HTTPFound is a response, not an error: no exc_info, status 302."""
    harness = make_harness()

    harness.app.get("/redirect", status=302)

    span = harness.only_span()
    assert span.exc_info is None
    assert span.tags["http.status_code"] == 302


def test_http_exception_of_500_and_above_is_reported(make_harness) -> None:
    """A raised HTTPServiceUnavailable is reported on the span, tagged 503."""
    harness = make_harness()

    harness.app.get("/unavailable", status=503)

    span = harness.only_span()
    assert span.exc_info is not None
    assert HTTPServiceUnavailable is span.exc_info[0]
    assert span.tags["http.status_code"] == 503
