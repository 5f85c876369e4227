"""Tests for baseplate.diagnostics.metrics: a real Baseplate, real spans, a real UDP socket."""

from __future__ import annotations

import logging
import os
import re
import socket
import tempfile
import types
from collections.abc import Iterator

import pytest

from baseplate import config
from baseplate.core import Baseplate, RequestContext
from baseplate.diagnostics.metrics import MetricsBaseplateObserver
from baseplate.metrics import Batch, Client, make_client

RECEIVE_TIMEOUT = 2.0
TIMING = re.compile(rb"^(?P<name>[^:]+):(?P<ms>[0-9.e+-]+)\|ms$")


@pytest.fixture
def receiver() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(RECEIVE_TIMEOUT)
    try:
        yield sock
    finally:
        sock.close()


@pytest.fixture
def client(receiver: socket.socket) -> Client:
    port = receiver.getsockname()[1]
    return make_client("myservice", config.Endpoint(f"127.0.0.1:{port}"))


@pytest.fixture
def baseplate(client: Client) -> Baseplate:
    baseplate = Baseplate()
    baseplate.configure_metrics(client)
    return baseplate


def split_timings(datagram: bytes) -> tuple[list[bytes], list[bytes]]:
    """Return (names of the timer lines, the other lines), checking each timing is sane."""
    timers, others = [], []
    for line in datagram.split(b"\n"):
        match = TIMING.match(line)
        if match is None:
            others.append(line)
            continue
        milliseconds = float(match.group("ms"))
        assert 0.0 <= milliseconds < 60_000.0, line
        timers.append(match.group("name"))
    return timers, others


def test_configure_metrics_installs_the_observer(baseplate: Baseplate, client: Client) -> None:
    """Baseplate.configure_metrics registers MetricsBaseplateObserver with the client."""
    assert client is baseplate.metrics_client
    (observer,) = baseplate.observers
    assert isinstance(observer, MetricsBaseplateObserver)
    assert client is observer.client


def test_successful_request(baseplate: Baseplate, receiver: socket.socket) -> None:
    """A request sends its server timer and success counter in one datagram at finish."""
    context = RequestContext()
    with baseplate.make_server_span(context, "do_something"):
        assert isinstance(context.metrics, Batch)
    timers, others = split_timings(receiver.recv(65536))
    assert [b"myservice.server.do_something"] == timers
    assert [b"myservice.server.do_something.success:1|c"] == others


def test_failed_request(baseplate: Baseplate, receiver: socket.socket) -> None:
    """A server span finished with an exception counts as a failure."""
    context = RequestContext()
    with pytest.raises(ValueError, match="bad input"), baseplate.make_server_span(context, "op"):
        raise ValueError("bad input")
    timers, others = split_timings(receiver.recv(65536))
    assert [b"myservice.server.op"] == timers
    assert [b"myservice.server.op.failure:1|c"] == others


def test_client_span_and_application_metrics(baseplate: Baseplate, receiver: socket.socket) -> None:
    """Client spans and context.metrics all go out in the request's one datagram."""
    context = RequestContext()
    with baseplate.make_server_span(context, "get_user") as span:
        with span.make_child("redis.get"):
            pass
        with span.make_child("redis.get"):
            pass
        with pytest.raises(TimeoutError), span.make_child("thrift.fetch"):
            raise TimeoutError
        context.metrics.counter("cache.miss").increment()
        context.metrics.gauge("queue.depth").replace(3)
    datagram = receiver.recv(65536)
    timers, others = split_timings(datagram)
    assert [
        b"myservice.clients.redis.get",
        b"myservice.clients.redis.get",
        b"myservice.clients.thrift.fetch",
        b"myservice.server.get_user",
    ] == timers
    assert [
        b"myservice.queue.depth:3|g",
        b"myservice.clients.redis.get.success:2|c",
        b"myservice.clients.thrift.fetch.failure:1|c",
        b"myservice.cache.miss:1|c",
        b"myservice.server.get_user.success:1|c",
    ] == others


def test_error_object_log_counts_errors(baseplate: Baseplate, receiver: socket.socket) -> None:
    """span.log("error.object", exc) on a client span increments errors.<ClassName>."""
    context = RequestContext()
    with (
        baseplate.make_server_span(context, "handler") as span,
        span.make_child("memcache.get") as child,
    ):
        child.log("error.object", ConnectionResetError("reset"))
        child.log("something.else", KeyError("ignored"))
    _, others = split_timings(receiver.recv(65536))
    assert [
        b"myservice.errors.ConnectionResetError:1|c",
        b"myservice.clients.memcache.get.success:1|c",
        b"myservice.server.handler.success:1|c",
    ] == others


def test_local_span_records_a_timer_only(baseplate: Baseplate, receiver: socket.socket) -> None:
    """A local span records <component_name>.<name> and no success/failure counter."""
    context = RequestContext()
    with baseplate.make_server_span(context, "render") as span:
        with span.make_child("template", local=True, component_name="jinja"):
            pass
        with (
            pytest.raises(RuntimeError),
            span.make_child("crunch", local=True, component_name="math"),
        ):
            raise RuntimeError
    timers, others = split_timings(receiver.recv(65536))
    assert [b"myservice.jinja.template", b"myservice.math.crunch", b"myservice.server.render"] == (
        timers
    )
    assert [b"myservice.server.render.success:1|c"] == others


def test_children_of_children_are_observed(baseplate: Baseplate, receiver: socket.socket) -> None:
    """Spans made under local and client spans are recorded by the same rules."""
    context = RequestContext()
    with baseplate.make_server_span(context, "outer") as span:
        with span.make_child("work", local=True, component_name="worker") as local:
            assert context.metrics is local.context.metrics
            with local.make_child("db.query"):
                pass
            with local.make_child("nested", local=True, component_name="inner"):
                pass
        with span.make_child("http.get") as client_span, client_span.make_child("dns.lookup"):
            pass
    timers, others = split_timings(receiver.recv(65536))
    assert [
        b"myservice.clients.db.query",
        b"myservice.inner.nested",
        b"myservice.worker.work",
        b"myservice.clients.dns.lookup",
        b"myservice.clients.http.get",
        b"myservice.server.outer",
    ] == timers
    assert [
        b"myservice.clients.db.query.success:1|c",
        b"myservice.clients.dns.lookup.success:1|c",
        b"myservice.clients.http.get.success:1|c",
        b"myservice.server.outer.success:1|c",
    ] == others


def test_each_request_sends_its_own_batch(baseplate: Baseplate, receiver: socket.socket) -> None:
    """Batches are per request: two requests, two datagrams, no carry-over."""
    for name in ("first", "second"):
        context = RequestContext()
        with baseplate.make_server_span(context, name):
            context.metrics.counter(f"{name}.custom").increment()
    assert [
        [b"myservice.first.custom:1|c", b"myservice.server.first.success:1|c"],
        [b"myservice.second.custom:1|c", b"myservice.server.second.success:1|c"],
    ] == [split_timings(receiver.recv(65536))[1] for _ in range(2)]


def test_foreign_context_object_gets_the_batch(
    baseplate: Baseplate, receiver: socket.socket
) -> None:
    """A framework's own request object (not a RequestContext) receives ``metrics``."""
    request = types.SimpleNamespace()
    with baseplate.make_server_span(request, "route"):
        request.metrics.histogram("payload").add_sample(12)
    _, others = split_timings(receiver.recv(65536))
    assert [b"myservice.payload:12|h", b"myservice.server.route.success:1|c"] == others


def test_span_names_are_sanitized(baseplate: Baseplate, receiver: socket.socket) -> None:
    """Characters that would corrupt a statsd line are replaced by ``_`` in span names."""
    context = RequestContext()
    with baseplate.make_server_span(context, "GET /users/{id}:json|x"):
        pass
    _, others = split_timings(receiver.recv(65536))
    assert [b"myservice.server.GET /users/{id}_json_x.success:1|c"] == others


def test_send_errors_never_fail_the_request(caplog: pytest.LogCaptureFixture) -> None:
    """With an unreachable endpoint the request completes normally and the loss is logged."""
    with tempfile.TemporaryDirectory(prefix="bpm-") as directory:
        path = os.path.join(directory, "absent.sock")
        baseplate = Baseplate()
        with caplog.at_level(logging.WARNING):
            baseplate.configure_metrics(make_client("myservice", config.Endpoint(path)))
            context = RequestContext()
            with baseplate.make_server_span(context, "resilient") as span:
                with span.make_child("redis.get"):
                    pass
                result = "handled"
    assert "handled" == result
    assert "Observer" not in caplog.text  # nothing raised inside the observer
    assert re.search(
        rf"Could not send a metrics batch of \d+ bytes \(4 lines\) to {re.escape(path)}",
        caplog.text,
    )
