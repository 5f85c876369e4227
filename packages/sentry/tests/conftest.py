"""Fixtures for baseplate-sentry's tests: a Sentry stand-in and requests that fail.

The server records the envelopes sentry-sdk really sends over the loopback interface; the
tests parse them (envelope header, item header, JSON payload) and check the events. The
request helpers are fixtures, so every test module uses the same ones.
"""

from __future__ import annotations

import gzip
import json
import zlib

import pytest
from baseplate_testing import HTTPStandIn

from baseplate.core import Baseplate, RequestContext, TraceInfo
from baseplate.diagnostics.sentry import error_reporter_from_config, uninstall_gevent_hook

WAIT = 10.0  # seconds; an upper bound on waits, never a measured limit


# --- a Sentry stand-in -------------------------------------------------------------------


def parse_envelope(body):
    """Split an envelope into (headers, [(item_headers, payload_bytes), ...])."""
    header_line, _, rest = body.partition(b"\n")
    headers = json.loads(header_line)
    items = []
    while rest.strip():
        item_line, _, rest = rest.partition(b"\n")
        item_headers = json.loads(item_line)
        if "length" in item_headers:
            length = item_headers["length"]
            payload, rest = rest[:length], rest[length:]
            rest = rest.removeprefix(b"\n")
        else:
            payload, _, rest = rest.partition(b"\n")
        items.append((item_headers, payload))
    return headers, items


def decode_body(request):
    body, encoding = request.body, request.headers.get("content-encoding")
    if encoding in (None, "", "identity"):
        return body
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "br":
        brotli = pytest.importorskip("brotli", reason="sentry-sdk sent brotli")
        return brotli.decompress(body)
    raise AssertionError(f"unexpected Content-Encoding {encoding!r}")


class SentryServer(HTTPStandIn):
    """An HTTP server on 127.0.0.1 that accepts envelopes the way Sentry does."""

    def __init__(self):
        super().__init__(lambda request: (200, {"Content-Type": "application/json"}, b"{}"))
        self.dsn = f"http://publickey@127.0.0.1:{self.port}/42"

    def envelopes(self):
        """Every envelope received so far: ``(path, headers, envelope headers, items)``."""
        with self._changed:
            received = list(self.requests)
        return [
            (request.path, request.headers, *parse_envelope(decode_body(request)))
            for request in received
        ]

    def events(self):
        """Every event item received so far, as parsed JSON."""
        return [
            json.loads(payload)
            for _, _, _, items in self.envelopes()
            for item_headers, payload in items
            if item_headers.get("type") == "event"
        ]


@pytest.fixture
def sentry_server():
    server = SentryServer()
    yield server
    server.stop()


@pytest.fixture
def clients():
    """Clients made by a test; each is closed afterwards so no sender thread outlives it."""
    made = []
    yield made
    for client in made:
        client.close(timeout=WAIT)


@pytest.fixture
def make_client(sentry_server, clients):
    def make(module_name="someapp", environ=None, **settings):
        raw = {"sentry.dsn": sentry_server.dsn}
        raw.update({f"sentry.{key}": value for key, value in settings.items()})
        client = error_reporter_from_config(raw, module_name, environ=environ or {})
        clients.append(client)
        return client

    return make


@pytest.fixture(autouse=True)
def _no_gevent_hook_left():
    yield
    uninstall_gevent_hook()


# --- requests ------------------------------------------------------------------------------


def make_baseplate(client):
    """Return a Baseplate reporting errors to ``client``."""
    baseplate = Baseplate()
    baseplate.configure_error_reporting(client)
    return baseplate


def failing_request(baseplate, exc, trace_id=1234, tags=(), logs=()):
    """Run a request that raises ``exc``; return its context."""
    context = RequestContext()
    trace_info = TraceInfo.from_upstream(trace_id, 99, 5678, True, 0)
    span = baseplate.make_server_span(context, "get_widget", trace_info)
    with pytest.raises(type(exc)):
        handle(span, exc, tags, logs)
    return context


def handle(span, exc, tags, logs):
    """In ``span``: set the ``tags``, log the ``logs``, then raise ``exc``."""
    with span:
        for key, value in tags:
            span.set_tag(key, value)
        for name, payload in logs:
            span.log(name, payload)
        raise_it(exc)


# The source-context test looks for this frame and its two lines.
def raise_it(exc):
    raise exc


def only_event(server, client):
    """Flush ``client``; return the one event ``server`` received (fail if not one)."""
    client.flush(timeout=WAIT)
    events = server.events()
    assert len(events) == 1, events
    return events[0]


def exception_of(event):
    """The one exception in ``event``: ``(type, value, mechanism type, handled)``."""
    (exception,) = event["exception"]["values"]
    mechanism = exception["mechanism"]
    return exception["type"], exception["value"], mechanism["type"], mechanism["handled"]


def _as_fixture(helper):
    """Make ``helper`` a fixture of the same name whose value is the helper itself."""

    def fixture():
        return helper

    fixture.__doc__ = helper.__doc__
    return pytest.fixture(name=helper.__name__)(fixture)


make_baseplate_fixture = _as_fixture(make_baseplate)
failing_request_fixture = _as_fixture(failing_request)
handle_fixture = _as_fixture(handle)
raise_it_fixture = _as_fixture(raise_it)
only_event_fixture = _as_fixture(only_event)
exception_of_fixture = _as_fixture(exception_of)


@pytest.fixture
def gevent():
    """The gevent module; a test that asks for it is skipped where gevent is not installed."""
    return pytest.importorskip("gevent", reason="gevent is a test-only dependency")
