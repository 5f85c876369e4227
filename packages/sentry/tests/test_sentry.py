"""Tests for baseplate.diagnostics.sentry, against a Sentry-like HTTP server run by the test.

The server records the envelopes sentry-sdk really sends over the loopback interface; the
tests parse them (envelope header, item header, JSON payload) and check the events.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import socket
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk

from baseplate.config import ConfigurationError
from baseplate.core import Baseplate, RequestContext, TraceInfo
from baseplate.diagnostics.sentry import (
    EventFilter,
    RequestReporter,
    SentryBaseplateObserver,
    error_reporter_from_config,
    install_gevent_hook,
    uninstall_gevent_hook,
)

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


class IgnoredBaseError(Exception):
    pass


class ChildOfIgnoredError(IgnoredBaseError):
    pass


class ReportedError(Exception):
    pass


# --- the observer --------------------------------------------------------------------------


def test_unexpected_exception_is_reported_with_type_value_and_trace_id(make_client, sentry_server):
    """An exception that ends the server span arrives with its type, value and the trace id."""
    client = make_client()
    failing_request(make_baseplate(client), ValueError("widget exploded"), trace_id=1234)

    event = only_event(sentry_server, client)
    (exception,) = event["exception"]["values"]
    assert "ValueError" == exception["type"]
    assert "widget exploded" == exception["value"]
    assert {"type": "baseplate", "handled": False} == {
        key: exception["mechanism"][key] for key in ("type", "handled")
    }
    assert "1234" == event["tags"]["trace_id"]
    assert "get_widget" == event["transaction"]
    assert f"{1234:032x}" == event["contexts"]["trace"]["trace_id"]
    assert "error" == event["level"]


def test_frames_carry_the_source_lines_sentry_sdk_would_send(make_client, sentry_server):
    """Source context comes from a cache, and is what sentry-sdk itself reads for each frame."""
    from sentry_sdk.utils import event_from_exception

    from baseplate.diagnostics.sentry._observer import add_source_context

    client = make_client()
    failing_request(make_baseplate(client), ValueError("widget exploded"))
    event = only_event(sentry_server, client)
    (sent_frame,) = [
        frame
        for frame in event["exception"]["values"][0]["stacktrace"]["frames"]
        if frame["function"] == "raise_it"
    ]
    assert "    raise exc" == sent_frame["context_line"]
    assert ["def raise_it(exc):"] == sent_frame["pre_context"][-1:]
    assert 5 == len(sent_frame["post_context"])

    try:
        handle(make_baseplate(client).make_server_span(RequestContext(), "x"), KeyError(), (), ())
    except KeyError:
        exc_info = sys.exc_info()
    options = {**client.options, "max_value_length": 12}  # long lines are cut the same way
    expected, _ = event_from_exception(exc_info, client_options=options)
    ours, _ = event_from_exception(
        exc_info, client_options={**options, "include_source_context": False}
    )
    add_source_context(ours, 12)
    keys = ("pre_context", "context_line", "post_context")

    def plain(value):  # a cut line is an AnnotatedValue: compare its text and metadata
        if isinstance(value, list):
            return [plain(item) for item in value]
        return (value.value, value.metadata) if hasattr(value, "metadata") else value

    def context(event):
        frames = event["exception"]["values"][0]["stacktrace"]["frames"]
        return [[plain(frame[key]) for key in keys] for frame in frames]

    assert context(expected) == context(ours)
    assert len(context(ours)) >= 3


def test_envelope_goes_to_the_dsn_project_with_its_key(make_client, sentry_server):
    """sentry-sdk posts to /api/<project>/envelope/ authenticated with the DSN's public key."""
    client = make_client()
    failing_request(make_baseplate(client), ValueError("x"))
    only_event(sentry_server, client)

    path, headers, envelope_headers, _ = sentry_server.requests[0]
    assert "/api/42/envelope/" == path
    assert "sentry_key=publickey" in headers["X-Sentry-Auth"]
    assert "event_id" in envelope_headers


def test_span_tags_become_request_data_and_tags(make_client, sentry_server):
    """http.* tags go to the event's request section (prefix removed), the others to tags."""
    client = make_client()
    tags = [("http.url", "/widgets/7"), ("http.method", "GET"), ("peer.ipv4", "10.1.2.3")]
    failing_request(make_baseplate(client), ValueError("x"), tags=tags)

    event = only_event(sentry_server, client)
    assert {"url": "/widgets/7", "method": "GET"} == event["request"]
    assert "10.1.2.3" == event["tags"]["peer.ipv4"]
    assert "http.url" not in event["tags"]


def test_span_logs_become_breadcrumbs(make_client, sentry_server):
    """Log entries on the server span arrive as breadcrumbs, in order, with their payload."""
    client = make_client()
    logs = [("cache.miss", {"key": "widget:7"}), ("retrying", None), ("attempt", 2)]
    failing_request(make_baseplate(client), ValueError("x"), logs=logs)

    event = only_event(sentry_server, client)
    crumbs = event["breadcrumbs"]["values"]
    assert ["cache.miss", "retrying", "attempt"] == [c["category"] for c in crumbs]
    assert {"key": "widget:7"} == crumbs[0]["data"]
    assert "data" not in crumbs[1]
    assert {"payload": 2} == crumbs[2]["data"]


def test_breadcrumbs_keep_the_clients_most_recent_and_pass_before_breadcrumb(
    sentry_server, clients
):
    """A request keeps only the client's max_breadcrumbs newest breadcrumbs, each first
    passed through its before_breadcrumb (which may change or drop it)."""

    def before_breadcrumb(crumb, hint):
        if crumb["category"] == "noise":
            return None
        crumb["message"] = "seen"
        return crumb

    client = sentry_sdk.Client(
        dsn=sentry_server.dsn,
        max_breadcrumbs=2,
        before_breadcrumb=before_breadcrumb,
        default_integrations=False,
    )
    clients.append(client)
    logs = [("first", None), ("second", None), ("noise", None), ("third", None)]
    failing_request(make_baseplate(client), ValueError("x"), logs=logs)

    crumbs = only_event(sentry_server, client)["breadcrumbs"]["values"]
    assert ["second", "third"] == [crumb["category"] for crumb in crumbs]
    assert ["seen", "seen"] == [crumb["message"] for crumb in crumbs]


def test_successful_request_sends_nothing(make_client, sentry_server):
    """A request that ends normally reports nothing."""
    client = make_client()
    baseplate = make_baseplate(client)
    with baseplate.make_server_span(RequestContext(), "fine") as span:
        span.set_tag("http.url", "/")
        span.log("something")
    client.flush(timeout=WAIT)
    assert [] == sentry_server.events()


def test_concurrent_requests_keep_their_own_data(make_client, sentry_server):
    """Two interleaved requests in one thread each report only their own trace id and tags."""
    client = make_client()
    baseplate = make_baseplate(client)
    first = baseplate.make_server_span(
        RequestContext(), "a", TraceInfo.from_upstream(1, 0, 1, True, 0)
    )
    second = baseplate.make_server_span(
        RequestContext(), "b", TraceInfo.from_upstream(2, 0, 2, True, 0)
    )
    first.start()
    second.start()
    first.set_tag("which", "first")
    second.set_tag("which", "second")
    try:
        raise_it(ValueError("from a"))
    except ValueError:
        first.finish(sys.exc_info())
    try:
        raise_it(ValueError("from b"))
    except ValueError:
        second.finish(sys.exc_info())

    client.flush(timeout=WAIT)
    found = {
        event["exception"]["values"][0]["value"]: (
            event["tags"]["trace_id"],
            event["tags"]["which"],
        )
        for event in sentry_server.events()
    }
    assert {"from a": ("1", "first"), "from b": ("2", "second")} == found


def test_concurrent_greenlet_requests_keep_their_own_data(make_client, sentry_server):
    """Requests running concurrently in greenlets report their own trace id and tags."""
    gevent = pytest.importorskip("gevent", reason="gevent is a test-only dependency")
    client = make_client()
    baseplate = make_baseplate(client)

    def request(trace_id):
        span = baseplate.make_server_span(
            RequestContext(), "g", TraceInfo.from_upstream(trace_id, 0, trace_id, True, 0)
        )
        span.start()
        gevent.sleep(0)  # let the other request run between start and finish
        span.set_tag("owner", str(trace_id))
        span.log(f"step.{trace_id}")
        gevent.sleep(0)
        try:
            raise_it(ValueError(str(trace_id)))
        except ValueError:
            span.finish(sys.exc_info())

    greenlets = [gevent.spawn(request, trace_id) for trace_id in (11, 12, 13)]
    gevent.joinall(greenlets, timeout=WAIT, raise_error=True)

    client.flush(timeout=WAIT)
    found = sorted(
        (
            event["exception"]["values"][0]["value"],
            event["tags"]["trace_id"],
            event["tags"]["owner"],
            [crumb["category"] for crumb in event["breadcrumbs"]["values"]],
        )
        for event in sentry_server.events()
    )
    assert [(str(i), str(i), str(i), [f"step.{i}"]) for i in (11, 12, 13)] == found


def test_application_message_arrives_with_trace_id(make_client, sentry_server):
    """context.sentry.capture_message sends a message event bound to the request."""
    client = make_client()
    baseplate = make_baseplate(client)
    context = RequestContext()
    with baseplate.make_server_span(context, "hello", TraceInfo.from_upstream(77, 0, 8, True, 0)):
        assert isinstance(context.sentry, RequestReporter)
        context.sentry.set_tag("shard", 3)
        event_id = context.sentry.capture_message("odd but harmless", level="warning")

    event = only_event(sentry_server, client)
    assert event_id == event["event_id"]
    assert "odd but harmless" == event["message"]
    assert "warning" == event["level"]
    assert "77" == event["tags"]["trace_id"]
    assert "3" == event["tags"]["shard"]


def test_application_exception_is_not_reported_twice(make_client, sentry_server):
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


def test_application_scope_data_is_applied(make_client, sentry_server):
    """Data the app puts on context.sentry.scope (a sentry_sdk.Scope) is in the request's events."""
    client = make_client()
    context = RequestContext()
    with make_baseplate(client).make_server_span(context, "scoped"):
        context.sentry.scope.set_user({"id": "t2_abc"})
        context.sentry.add_breadcrumb(category="auth", message="token checked")
        context.sentry.capture_message("hi")

    event = only_event(sentry_server, client)
    assert {"id": "t2_abc"} == event["user"]
    assert ["auth"] == [crumb["category"] for crumb in event["breadcrumbs"]["values"]]


def test_application_tags_are_text_cut_to_200_characters(make_client, sentry_server):
    """context.sentry.set_tag tags the request's later events, its value sent as text and
    cut to Sentry's 200 characters; the trace_id tag is there too."""
    client = make_client()
    context = RequestContext()
    trace_info = TraceInfo.from_upstream(4321, 0, 4321, True, 0)
    with make_baseplate(client).make_server_span(context, "tagged", trace_info):
        context.sentry.set_tag("shard", 7)
        context.sentry.set_tag("query", "q" * 300)
        context.sentry.capture_message("hi")

    tags = only_event(sentry_server, client)["tags"]
    assert "7" == tags["shard"]
    assert "q" * 200 == tags["query"]
    assert "4321" == tags["trace_id"]


def test_observer_rejects_a_non_sentry_client():
    """Anything but a sentry-sdk client (a raven one, say) is refused up front."""
    with pytest.raises(TypeError, match="must be a sentry-sdk client"):
        SentryBaseplateObserver(object())


# --- configuration -------------------------------------------------------------------------


def test_environment_server_name_and_site(make_client, sentry_server):
    """environment is sentry-sdk's; server_name stays the host name; site is the `site` tag."""
    client = make_client(environment="staging", site="canary")
    failing_request(make_baseplate(client), ValueError("x"))

    event = only_event(sentry_server, client)
    assert "staging" == event["environment"]
    assert socket.gethostname() == event["server_name"]
    assert "canary" == event["tags"]["site"]


def json_frame_in_app(event):
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    return {frame["module"]: frame.get("in_app") for frame in frames}


def test_include_and_exclude_paths_mark_frames(make_client, sentry_server):
    """include_paths makes modules' frames in-app; exclude_paths makes them not."""
    client = make_client(include_paths="json", exclude_paths=__name__)
    context = RequestContext()
    span = make_baseplate(client).make_server_span(context, "parse")
    with pytest.raises(json.JSONDecodeError), span:
        json.loads("{not json")

    frames = json_frame_in_app(only_event(sentry_server, client))
    assert frames["json.decoder"] is True
    assert frames[__name__] is False


def test_module_name_package_is_in_app(make_client, sentry_server):
    """The top-level package of module_name counts as application code."""
    client = make_client(module_name="json.decoder")
    assert "json" == client.options["in_app_include"][0]
    context = RequestContext()
    span = make_baseplate(client).make_server_span(context, "parse")
    with pytest.raises(json.JSONDecodeError), span:
        json.loads("[1,")
    frames = json_frame_in_app(only_event(sentry_server, client))
    assert frames["json.decoder"] is True


@pytest.mark.parametrize(
    "pattern",
    [
        "builtins.KeyError",
        "KeyError",
        "builtins.Key*",
        "*.LookupError",  # a base class of KeyError
    ],
)
def test_ignore_exceptions_matches_names_globs_and_bases(make_client, sentry_server, pattern):
    """An ignored exception is not sent; others still are."""
    client = make_client(ignore_exceptions=f"nothing.Matches, {pattern}")
    baseplate = make_baseplate(client)
    failing_request(baseplate, KeyError("ignored"))
    failing_request(baseplate, ReportedError("sent"))

    event = only_event(sentry_server, client)
    assert "ReportedError" == event["exception"]["values"][0]["type"]


def test_ignore_exceptions_glob_on_application_classes(make_client, sentry_server):
    """A glob on a qualified application class name also ignores its subclasses."""
    client = make_client(ignore_exceptions="*.IgnoredBase*")
    baseplate = make_baseplate(client)
    failing_request(baseplate, IgnoredBaseError())
    failing_request(baseplate, ChildOfIgnoredError())
    failing_request(baseplate, ReportedError("sent"))

    event = only_event(sentry_server, client)
    assert "ReportedError" == event["exception"]["values"][0]["type"]


def test_sample_rate_zero_sends_nothing(make_client, sentry_server):
    """With sample_rate 0% no event is sent."""
    client = make_client(sample_rate="0%")
    baseplate = make_baseplate(client)
    for _ in range(5):
        failing_request(baseplate, ValueError("x"))
    client.flush(timeout=WAIT)
    assert [] == sentry_server.events()


@pytest.mark.parametrize(("text", "expected"), [("37%", 0.37), ("0.25", 0.25), ("1", 1.0)])
def test_sample_rate_accepts_percent_or_fraction(make_client, text, expected):
    """sample_rate is a percentage or a fraction, passed to sentry-sdk as a fraction."""
    assert expected == pytest.approx(make_client(sample_rate=text).options["sample_rate"])


@pytest.mark.parametrize("text", ["37", "-0.1", "150%", "half"])
def test_sample_rate_rejects_bad_values(text):
    """A sample rate outside [0, 1] or not a number is a configuration error naming the key."""
    with pytest.raises(ConfigurationError, match=r"^sentry\.sample_rate: "):
        error_reporter_from_config({"sentry.sample_rate": text}, "app", environ={})


@pytest.fixture
def processors_module(tmp_path, monkeypatch):
    """An importable module of processors, written for the test."""
    (tmp_path / "sentry_test_processors.py").write_text(
        "def mark(event, hint):\n"
        "    event.setdefault('tags', {})['processed'] = 'yes'\n"
        "    return event\n"
        "def drop_messages(event, hint):\n"
        "    return None if event.get('message') else event\n"
        "def explode(event, hint):\n"
        "    raise RuntimeError('processor bug')\n"
        "class Klass:\n"
        "    pass\n"
        "NUMBER = 3\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "sentry_test_processors", raising=False)
    yield "sentry_test_processors"
    sys.modules.pop("sentry_test_processors", None)


def test_processors_modify_and_drop_events(make_client, sentry_server, processors_module):
    """Processors run in order; one can change the event, another can drop it."""
    client = make_client(processors=f"{processors_module}.mark, {processors_module}:drop_messages")
    context = RequestContext()
    with make_baseplate(client).make_server_span(context, "p"):
        context.sentry.capture_message("dropped by the processor")
        context.sentry.capture_exception(ReportedError("kept"))

    event = only_event(sentry_server, client)
    assert "ReportedError" == event["exception"]["values"][0]["type"]
    assert "yes" == event["tags"]["processed"]


def test_failing_processor_drops_the_event_and_logs(
    make_client, sentry_server, processors_module, caplog
):
    """A processor that raises is logged by name and its event is not sent."""
    client = make_client(processors=f"{processors_module}.explode")
    with caplog.at_level(logging.ERROR, logger="baseplate.diagnostics.sentry"):
        failing_request(make_baseplate(client), ValueError("x"))
        client.flush(timeout=WAIT)
    assert [] == sentry_server.events()
    assert f"Sentry processor {processors_module}.explode raised" in caplog.text


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("no_such_module_here.process", r"cannot import 'no_such_module_here\.process'"),
        ("raven.processors.SanitizePasswordsProcessor", r"cannot import 'raven\.processors"),
        ("json.no_such_function", r"cannot import 'json\.no_such_function'"),
        ("sentry_test_processors.Klass", r"is a class; sentry-sdk has no processor classes"),
        ("sentry_test_processors.NUMBER", r"is not callable"),
    ],
)
def test_bad_processor_is_a_configuration_error(processors_module, path, message):
    """A processor path that does not name an importable function names sentry.processors."""
    with pytest.raises(ConfigurationError, match=r"^sentry\.processors: .*" + message):
        error_reporter_from_config({"sentry.processors": path}, "app", environ={})


def test_bad_exception_pattern_is_a_configuration_error():
    """An ignore_exceptions entry with spaces inside cannot be a class name."""
    with pytest.raises(ConfigurationError, match=r"^sentry\.ignore_exceptions: "):
        error_reporter_from_config({"sentry.ignore_exceptions": "my app.Error"}, "app", environ={})


def test_blank_dsn_discards_even_with_sentry_dsn_set(sentry_server, clients):
    """A blank sentry.dsn gives a client with no transport: nothing reaches any server."""
    client = error_reporter_from_config(
        {"sentry.dsn": ""}, "app", environ={"SENTRY_DSN": sentry_server.dsn}
    )
    clients.append(client)
    assert client.transport is None
    failing_request(make_baseplate(client), ValueError("x"))
    client.flush(timeout=WAIT)
    assert [] == sentry_server.requests


def test_absent_dsn_falls_back_to_sentry_dsn(sentry_server, clients):
    """Without a sentry.dsn key, the SENTRY_DSN environment variable is used."""
    client = error_reporter_from_config({}, "app", environ={"SENTRY_DSN": sentry_server.dsn})
    clients.append(client)
    failing_request(make_baseplate(client), ValueError("via env"))
    assert "via env" == only_event(sentry_server, client)["exception"]["values"][0]["value"]


def test_absent_dsn_without_environment_discards(clients):
    """With neither sentry.dsn nor SENTRY_DSN, events are discarded."""
    client = error_reporter_from_config({}, "app", environ={})
    clients.append(client)
    assert client.transport is None


@pytest.mark.parametrize(
    ("raw", "environ", "key"),
    [
        ({"sentry.dsn": "ftp://key@example.com/1"}, {}, "sentry.dsn"),
        ({"sentry.dsn": "https://example.com/1"}, {}, "sentry.dsn"),
        ({}, {"SENTRY_DSN": "https://secretkey@example.com/notaproject"}, "SENTRY_DSN"),
    ],
)
def test_bad_dsn_is_a_configuration_error(raw, environ, key):
    """A malformed DSN names its key and does not echo the DSN (it holds the project key)."""
    with pytest.raises(ConfigurationError, match=f"^{key}: not a valid Sentry DSN") as info:
        error_reporter_from_config(raw, "app", environ=environ)
    assert "secretkey" not in str(info.value)
    assert "key@" not in str(info.value)


def test_release_from_environment(clients):
    """SENTRY_RELEASE sets the release."""
    client = error_reporter_from_config({}, "app", environ={"SENTRY_RELEASE": "v1.2.3"})
    clients.append(client)
    assert "v1.2.3" == client.options["release"]


SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize("layout", ["loose", "packed", "detached", "worktree"])
def test_release_is_the_commit_of_the_module_checkout(tmp_path, monkeypatch, clients, layout):
    """The release is the commit checked out in the git work tree holding module_name."""
    tree = tmp_path / "checkout"
    package = tree / "src" / "release_probe_app"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    git = tmp_path / "gitdir" if layout == "worktree" else tree / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    if layout == "worktree":
        (tree / ".git").write_text(f"gitdir: {git}\n")
    if layout == "detached":
        (git / "HEAD").write_text(SHA + "\n")
    else:
        (git / "HEAD").write_text("ref: refs/heads/main\n")
    if layout == "packed":
        (git / "packed-refs").write_text(f"# pack-refs with: peeled\n{SHA} refs/heads/main\n")
    else:
        (git / "refs" / "heads" / "main").write_text(SHA + "\n")
    monkeypatch.syspath_prepend(str(tree / "src"))
    monkeypatch.delitem(sys.modules, "release_probe_app", raising=False)
    __import__("release_probe_app")
    try:
        client = error_reporter_from_config({}, "release_probe_app", environ={})
        clients.append(client)
        assert SHA == client.options["release"]
    finally:
        sys.modules.pop("release_probe_app", None)


def test_client_is_not_installed_globally(make_client):
    """Configuring a reporter leaves sentry-sdk's global client alone."""
    make_client()
    assert not sentry_sdk.get_client().is_active()


def test_event_filter_repr_names_its_parts():
    """EventFilter's repr shows its patterns, site and processor names (for debugging)."""
    event_filter = EventFilter(["a.*"], "canary", [("pkg.fn", lambda e, h: e)])
    assert "EventFilter(ignore_exceptions=['a.*'], site='canary', processors=['pkg.fn'])" == (
        repr(event_filter)
    )


# --- outside requests: gevent --------------------------------------------------------------


def test_crashing_greenlet_outside_a_request_is_reported(make_client, sentry_server, capsys):
    """With gevent imported, the observer hooks the hub: a greenlet crash is reported, then
    printed as before."""
    gevent = pytest.importorskip("gevent", reason="gevent is a test-only dependency")
    client = make_client()
    make_baseplate(client)  # gevent is imported: the observer installs the hub hook

    def background_job():
        raise ReportedError("background job died")

    greenlet = gevent.spawn(background_job)
    greenlet.join(timeout=WAIT)
    assert greenlet.dead

    event = only_event(sentry_server, client)
    (exception,) = event["exception"]["values"]
    assert "ReportedError" == exception["type"]
    assert "background job died" == exception["value"]
    assert {"type": "gevent", "handled": False} == {
        key: exception["mechanism"][key] for key in ("type", "handled")
    }
    assert "ReportedError: background job died" in capsys.readouterr().err


def test_request_error_handed_to_the_hub_is_reported_once(make_client, sentry_server, capsys):
    """gevent's WSGI server passes a request's escaped exception to the hub's error handler;
    the observer reported it already, so Sentry gets one event, not two."""
    gevent = pytest.importorskip("gevent", reason="gevent is a test-only dependency")
    client = make_client()
    baseplate = make_baseplate(client)  # gevent is imported: the hub hook is installed
    error = ReportedError("request failed")
    failing_request(baseplate, error)
    hub = gevent.get_hub()
    hub.print_exception(None, type(error), error, error.__traceback__)  # as pywsgi does
    event = only_event(sentry_server, client)
    assert "baseplate" == event["exception"]["values"][0]["mechanism"]["type"]
    assert "ReportedError: request failed" in capsys.readouterr().err


def test_gevent_hook_is_not_stacked_and_can_be_removed(make_client, sentry_server):
    """Installing twice keeps one hook (the latest client); uninstalling restores the hub."""
    gevent = pytest.importorskip("gevent", reason="gevent is a test-only dependency")
    hub = gevent.get_hub()
    original = hub.print_exception
    first, second = make_client(), make_client()
    assert install_gevent_hook(first)
    assert install_gevent_hook(second)
    assert hub.print_exception.original == original
    assert hub.print_exception.client is second
    uninstall_gevent_hook()
    assert hub.print_exception == original


def test_observer_can_leave_gevent_alone(make_client):
    """gevent_hook=False leaves the hub untouched."""
    gevent = pytest.importorskip("gevent", reason="gevent is a test-only dependency")
    hub = gevent.get_hub()
    original = hub.print_exception
    SentryBaseplateObserver(make_client(), gevent_hook=False)
    assert hub.print_exception == original


# --- never in the way ----------------------------------------------------------------------


class BlackHole:
    """A listening socket that accepts, reads the request and never answers.

    It holds the connection until :meth:`close`, so only the client can end the exchange.
    """

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(WAIT)
        self.port = self.listener.getsockname()[1]
        self.request_received = threading.Event()
        self.client_gave_up = threading.Event()
        self.connections = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        self.connections.append(conn)
        conn.settimeout(None)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    self.client_gave_up.set()
                    return
                data += chunk
            self.request_received.set()
            if not conn.recv(1):  # never answer: wait for the client to hang up
                self.client_gave_up.set()
        except OSError:
            return

    def close(self):
        for conn in self.connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self.listener.close()
        self.thread.join(WAIT)


def test_unresponsive_sentry_does_not_hold_up_the_request(clients):
    """The request (and its on_finish report) completes while Sentry withholds its answer.

    The request runs in a thread. Once the envelope has reached the server, which will not
    answer until the test ends, the request must be over: had reporting waited for Sentry,
    the request thread would still be blocked.
    """
    hole = BlackHole()
    client = error_reporter_from_config(
        {"sentry.dsn": f"http://publickey@127.0.0.1:{hole.port}/42"}, "app", environ={}
    )
    baseplate = make_baseplate(client)
    request = threading.Thread(
        target=failing_request, args=(baseplate, ValueError("into the void")), daemon=True
    )
    try:
        request.start()
        assert hole.request_received.wait(WAIT)
        request.join(WAIT)
        assert not request.is_alive()
        assert not hole.client_gave_up.is_set()
    finally:
        hole.close()
        request.join(WAIT)
        client.close(timeout=0)


def test_events_still_queued_at_exit_are_sent(sentry_server):
    """A process that exits normally sends the events its client still holds."""
    import subprocess
    import textwrap

    script = textwrap.dedent(
        f"""
        from baseplate.diagnostics.sentry import error_reporter_from_config

        client = error_reporter_from_config({{"sentry.dsn": {sentry_server.dsn!r}}}, "someapp")
        client.capture_event({{"message": "goodbye", "level": "error"}})
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=30)
    (event,) = sentry_server.events()
    assert "goodbye" == event["message"]
