"""Tests that one exception becomes one Sentry event (baseplate.diagnostics.sentry._reported):
reported by the application and then escaping the request, or escaping the request and then
reaching gevent's hub."""

from __future__ import annotations

import pytest

from baseplate.core import RequestContext


class ReportedError(Exception):
    pass


def test_application_exception_is_not_reported_twice(
    make_client, sentry_server, make_baseplate, raise_it, only_event
):
    """An exception the app reported and then let escape the request is sent once (handled)."""
    client = make_client()
    baseplate = make_baseplate(client)
    context = RequestContext()
    span = baseplate.make_server_span(context, "twice")

    def report_and_reraise():
        with span:
            try:
                raise_it(KeyError("gone"))
            except KeyError:
                context.sentry.capture_exception()
                raise

    with pytest.raises(KeyError, match="gone"):
        report_and_reraise()

    event = only_event(sentry_server, client)
    assert event["exception"]["values"][0]["mechanism"]["handled"] is True


def test_request_error_handed_to_the_hub_is_reported_once(
    make_client, sentry_server, capsys, make_baseplate, failing_request, only_event, gevent
):
    """gevent's WSGI server passes a request's escaped exception to the hub's error handler;
    the observer reported it already, so Sentry gets one event, not two."""
    client = make_client()
    baseplate = make_baseplate(client)  # gevent is imported: the hub hook is installed
    error = ReportedError("request failed")
    failing_request(baseplate, error)
    hub = gevent.get_hub()
    hub.print_exception(None, type(error), error, error.__traceback__)  # as pywsgi does
    event = only_event(sentry_server, client)
    assert event["exception"]["values"][0]["mechanism"]["type"] == "baseplate"
    assert "ReportedError: request failed" in capsys.readouterr().err
