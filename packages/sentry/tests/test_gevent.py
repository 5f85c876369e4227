"""Tests of the hook on gevent's hub that reports greenlets crashing outside requests
(baseplate.diagnostics.sentry._gevent)."""

from __future__ import annotations

from baseplate.diagnostics.sentry import install_gevent_hook, uninstall_gevent_hook

WAIT = 10.0  # seconds; an upper bound on waits, never a measured limit


class ReportedError(Exception):
    pass


def test_crashing_greenlet_outside_a_request_is_reported(
    make_client, sentry_server, capsys, make_baseplate, only_event, exception_of, gevent
):
    """With gevent imported, the observer hooks the hub: a greenlet crash is reported, then
    printed as before."""
    client = make_client()
    make_baseplate(client)  # gevent is imported: the observer installs the hub hook

    def background_job():
        raise ReportedError("background job died")

    greenlet = gevent.spawn(background_job)
    greenlet.join(timeout=WAIT)
    assert greenlet.dead

    event = only_event(sentry_server, client)
    assert exception_of(event) == ("ReportedError", "background job died", "gevent", False)
    assert "ReportedError: background job died" in capsys.readouterr().err


def test_gevent_hook_is_not_stacked_and_can_be_removed(make_client, sentry_server, gevent):
    """Installing twice keeps one hook (the latest client); uninstalling restores the hub."""
    hub = gevent.get_hub()
    original = hub.print_exception
    first, second = make_client(), make_client()
    assert install_gevent_hook(first)
    assert install_gevent_hook(second)
    assert hub.print_exception.original == original
    assert hub.print_exception.client is second
    uninstall_gevent_hook()
    assert hub.print_exception == original
