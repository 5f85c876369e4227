"""Tests of the error-reporting observer and the per-request reporter it puts on the context
(baseplate.diagnostics.sentry._observer), against the Sentry stand-in of conftest.py."""

from __future__ import annotations

import sys
import threading

import pytest
import sentry_sdk
from baseplate_testing import BlackHole

from baseplate.core import RequestContext, TraceInfo
from baseplate.diagnostics.sentry import (
    RequestReporter,
    SentryBaseplateObserver,
    error_reporter_from_config,
)

WAIT = 10.0  # seconds; an upper bound on waits, never a measured limit


def test_unexpected_exception_is_reported_with_type_value_and_trace_id(
    make_client, sentry_server, make_baseplate, failing_request, only_event, exception_of
):
    """An exception that ends the server span arrives with its type, value and the trace id."""
    client = make_client()
    failing_request(make_baseplate(client), ValueError("widget exploded"), trace_id=1234)

    event = only_event(sentry_server, client)
    assert exception_of(event) == ("ValueError", "widget exploded", "baseplate", False)
    assert event["tags"]["trace_id"] == "1234"
    assert event["transaction"] == "get_widget"
    assert f"{1234:032x}" == event["contexts"]["trace"]["trace_id"]
    assert event["level"] == "error"


def test_frames_carry_the_source_lines_sentry_sdk_would_send(
    make_client, sentry_server, make_baseplate, failing_request, handle, raise_it, only_event
):
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
    assert sent_frame["context_line"] == "    raise exc"
    assert sent_frame["pre_context"][-1:] == ["def raise_it(exc):"]
    assert len(sent_frame["post_context"]) == 5

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


def test_span_tags_become_request_data_and_tags(
    make_client, sentry_server, make_baseplate, failing_request, only_event
):
    """http.* tags go to the event's request section (prefix removed), the others to tags."""
    client = make_client()
    tags = [("http.url", "/widgets/7"), ("http.method", "GET"), ("peer.ipv4", "10.1.2.3")]
    failing_request(make_baseplate(client), ValueError("x"), tags=tags)

    event = only_event(sentry_server, client)
    assert event["request"] == {"url": "/widgets/7", "method": "GET"}
    assert event["tags"]["peer.ipv4"] == "10.1.2.3"
    assert "http.url" not in event["tags"]


def test_span_logs_become_breadcrumbs(
    make_client, sentry_server, make_baseplate, failing_request, only_event
):
    """Log entries on the server span arrive as breadcrumbs, in order, with their payload."""
    client = make_client()
    logs = [("cache.miss", {"key": "widget:7"}), ("retrying", None), ("attempt", 2)]
    failing_request(make_baseplate(client), ValueError("x"), logs=logs)

    event = only_event(sentry_server, client)
    crumbs = event["breadcrumbs"]["values"]
    assert [c["category"] for c in crumbs] == ["cache.miss", "retrying", "attempt"]
    assert crumbs[0]["data"] == {"key": "widget:7"}
    assert "data" not in crumbs[1]
    assert crumbs[2]["data"] == {"payload": 2}


def test_breadcrumbs_keep_the_clients_most_recent_and_pass_before_breadcrumb(
    sentry_server, clients, make_baseplate, failing_request, only_event
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
    assert [crumb["category"] for crumb in crumbs] == ["second", "third"]
    assert [crumb["message"] for crumb in crumbs] == ["seen", "seen"]


def test_successful_request_sends_nothing(make_client, sentry_server, make_baseplate):
    """A request that ends normally reports nothing."""
    client = make_client()
    baseplate = make_baseplate(client)
    with baseplate.make_server_span(RequestContext(), "fine") as span:
        span.set_tag("http.url", "/")
        span.log("something")
    client.flush(timeout=WAIT)
    assert sentry_server.events() == []


def test_concurrent_requests_keep_their_own_data(
    make_client, sentry_server, make_baseplate, raise_it
):
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
    assert found == {"from a": ("1", "first"), "from b": ("2", "second")}


def test_concurrent_greenlet_requests_keep_their_own_data(
    make_client, sentry_server, make_baseplate, raise_it, gevent
):
    """Requests running concurrently in greenlets report their own trace id and tags."""
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


def test_application_message_arrives_with_trace_id(
    make_client, sentry_server, make_baseplate, only_event
):
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
    assert event["message"] == "odd but harmless"
    assert event["level"] == "warning"
    assert event["tags"]["trace_id"] == "77"
    assert event["tags"]["shard"] == "3"


def test_application_scope_data_is_applied(make_client, sentry_server, make_baseplate, only_event):
    """Data the app puts on context.sentry.scope (a sentry_sdk.Scope) is in the request's events."""
    client = make_client()
    context = RequestContext()
    with make_baseplate(client).make_server_span(context, "scoped"):
        context.sentry.scope.set_user({"id": "t2_abc"})
        context.sentry.add_breadcrumb(category="auth", message="token checked")
        context.sentry.capture_message("hi")

    event = only_event(sentry_server, client)
    assert event["user"] == {"id": "t2_abc"}
    assert [crumb["category"] for crumb in event["breadcrumbs"]["values"]] == ["auth"]


def test_application_tags_are_text_cut_to_200_characters(
    make_client, sentry_server, make_baseplate, only_event
):
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
    assert tags["shard"] == "7"
    assert tags["query"] == "q" * 200
    assert tags["trace_id"] == "4321"


def test_observer_rejects_a_non_sentry_client():
    """Anything but a sentry-sdk client (a raven one, say) is refused up front."""
    with pytest.raises(TypeError, match="must be a sentry-sdk client"):
        SentryBaseplateObserver(object())


def test_observer_can_leave_gevent_alone(make_client, gevent):
    """gevent_hook=False leaves the hub untouched."""
    hub = gevent.get_hub()
    original = hub.print_exception
    SentryBaseplateObserver(make_client(), gevent_hook=False)
    assert hub.print_exception == original


# --- never in the way ----------------------------------------------------------------------


def test_unresponsive_sentry_does_not_hold_up_the_request(clients, make_baseplate, failing_request):
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
