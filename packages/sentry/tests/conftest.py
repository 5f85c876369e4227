"""Fixtures for baseplate-sentry's tests: a Sentry stand-in and requests that fail.

The server records the envelopes sentry-sdk really sends over the loopback interface; the
tests parse them (envelope header, item header, JSON payload) and check the events. The
request helpers are fixtures, so every test module uses the same ones.
"""

from __future__ import annotations

import gzip
import json
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

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


def decode_body(body, encoding):
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


class SentryServer:
    """An HTTP server on 127.0.0.1 that accepts envelopes the way Sentry does."""

    def __init__(self):
        self.requests = []  # (path, headers, envelope headers, items)
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                body = decode_body(raw, self.headers.get("Content-Encoding"))
                envelope_headers, items = parse_envelope(body)
                with server._lock:
                    server.requests.append((self.path, dict(self.headers), envelope_headers, items))
                reply = b"{}"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.dsn = f"http://publickey@127.0.0.1:{self.port}/42"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def events(self):
        """Every event item received so far, as parsed JSON."""
        with self._lock:
            return [
                json.loads(payload)
                for _, _, _, items in self.requests
                for item_headers, payload in items
                if item_headers.get("type") == "event"
            ]

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(WAIT)


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
    with span:
        for key, value in tags:
            span.set_tag(key, value)
        for name, payload in logs:
            span.log(name, payload)
        raise_it(exc)


def raise_it(exc):
    raise exc


def only_event(server, client):
    client.flush(timeout=WAIT)
    events = server.events()
    assert len(events) == 1, events
    return events[0]


@pytest.fixture(name="make_baseplate")
def make_baseplate_fixture():
    """``make_baseplate(client)``: a Baseplate reporting errors to ``client``."""
    return make_baseplate


@pytest.fixture(name="failing_request")
def failing_request_fixture():
    """``failing_request(baseplate, exc, ...)``: run a request that raises ``exc``."""
    return failing_request


@pytest.fixture(name="handle")
def handle_fixture():
    """``handle(span, exc, tags, logs)``: the body of a failing request, run in ``span``."""
    return handle


@pytest.fixture(name="raise_it")
def raise_it_fixture():
    """``raise_it(exc)``: raise ``exc`` from a frame of its own."""
    return raise_it


@pytest.fixture(name="only_event")
def only_event_fixture():
    """``only_event(server, client)``: flush, then the one event the server got."""
    return only_event
