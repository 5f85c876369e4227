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
from baseplate.diagnostics.metrics._observer import (
    _ClientObserver,
    _LocalObserver,
    _RequestObserver,
)
from baseplate.metrics import Batch, Client, _aggregator, make_client

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
    assert timers == [b"myservice.server.do_something"]
    assert others == [b"myservice.server.do_something.success:1|c"]


def test_failed_request(baseplate: Baseplate, receiver: socket.socket) -> None:
    """A server span finished with an exception counts as a failure."""
    with (
        pytest.raises(ValueError, match="bad input"),
        baseplate.make_server_span(RequestContext(), "op"),
    ):
        raise ValueError("bad input")
    timers, others = split_timings(receiver.recv(65536))
    assert timers == [b"myservice.server.op"]
    assert others == [b"myservice.server.op.failure:1|c"]


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
    assert timers == [
        b"myservice.clients.redis.get",
        b"myservice.clients.redis.get",
        b"myservice.clients.thrift.fetch",
        b"myservice.server.get_user",
    ]
    assert others == [
        b"myservice.queue.depth:3|g",
        b"myservice.clients.redis.get.success:2|c",
        b"myservice.clients.thrift.fetch.failure:1|c",
        b"myservice.cache.miss:1|c",
        b"myservice.server.get_user.success:1|c",
    ]


def test_error_object_log_counts_errors(baseplate: Baseplate, receiver: socket.socket) -> None:
    """span.log("error.object", exc) on a client span increments errors.<ClassName>."""
    with (
        baseplate.make_server_span(RequestContext(), "handler") as span,
        span.make_child("memcache.get") as child,
    ):
        child.log("error.object", ConnectionResetError("reset"))
        child.log("something.else", KeyError("ignored"))
    _, others = split_timings(receiver.recv(65536))
    assert others == [
        b"myservice.errors.ConnectionResetError:1|c",
        b"myservice.clients.memcache.get.success:1|c",
        b"myservice.server.handler.success:1|c",
    ]


def test_local_span_records_a_timer_only(baseplate: Baseplate, receiver: socket.socket) -> None:
    """A local span records <component_name>.<name> and no success/failure counter."""
    with baseplate.make_server_span(RequestContext(), "render") as span:
        with span.make_child("template", local=True, component_name="jinja"):
            pass
        with (
            pytest.raises(RuntimeError),
            span.make_child("crunch", local=True, component_name="math"),
        ):
            raise RuntimeError
    timers, others = split_timings(receiver.recv(65536))
    assert (timers) == [
        b"myservice.jinja.template",
        b"myservice.math.crunch",
        b"myservice.server.render",
    ]
    assert others == [b"myservice.server.render.success:1|c"]


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
    assert timers == [
        b"myservice.clients.db.query",
        b"myservice.inner.nested",
        b"myservice.worker.work",
        b"myservice.clients.dns.lookup",
        b"myservice.clients.http.get",
        b"myservice.server.outer",
    ]
    assert others == [
        b"myservice.clients.db.query.success:1|c",
        b"myservice.clients.dns.lookup.success:1|c",
        b"myservice.clients.http.get.success:1|c",
        b"myservice.server.outer.success:1|c",
    ]


def test_each_request_sends_its_own_batch(baseplate: Baseplate, receiver: socket.socket) -> None:
    """Batches are per request: two requests, two datagrams, no carry-over."""
    for name in ("first", "second"):
        context = RequestContext()
        with baseplate.make_server_span(context, name):
            context.metrics.counter(f"{name}.custom").increment()
    assert [split_timings(receiver.recv(65536))[1] for _ in range(2)] == [
        [b"myservice.first.custom:1|c", b"myservice.server.first.success:1|c"],
        [b"myservice.second.custom:1|c", b"myservice.server.second.success:1|c"],
    ]


def test_foreign_context_object_gets_the_batch(
    baseplate: Baseplate, receiver: socket.socket
) -> None:
    """A framework's own request object (not a RequestContext) receives ``metrics``."""
    request = types.SimpleNamespace()
    with baseplate.make_server_span(request, "route"):
        request.metrics.histogram("payload").add_sample(12)
    _, others = split_timings(receiver.recv(65536))
    assert others == [b"myservice.payload:12|h", b"myservice.server.route.success:1|c"]


def test_span_names_are_sanitized(baseplate: Baseplate, receiver: socket.socket) -> None:
    """Characters that would corrupt a statsd line are replaced by ``_`` in span names."""
    with baseplate.make_server_span(RequestContext(), "GET /users/{id}:json|x"):
        pass
    _, others = split_timings(receiver.recv(65536))
    assert others == [b"myservice.server.GET /users/{id}_json_x.success:1|c"]


def test_send_errors_never_fail_the_request(caplog: pytest.LogCaptureFixture) -> None:
    """With an unreachable endpoint the request completes normally and the loss is logged."""
    with tempfile.TemporaryDirectory(prefix="bpm-") as directory:
        path = os.path.join(directory, "absent.sock")
        baseplate = Baseplate()
        with caplog.at_level(logging.WARNING):
            baseplate.configure_metrics(make_client("myservice", config.Endpoint(path)))
            with baseplate.make_server_span(RequestContext(), "resilient") as span:
                with span.make_child("redis.get"):
                    pass
                result = "handled"
    assert result == "handled"
    assert "Observer" not in caplog.text  # nothing raised inside the observer
    assert re.search(
        rf"Could not send a metrics batch of \d+ bytes \(4 lines\) to {re.escape(path)}",
        caplog.text,
    )


# With a client that sends from a background worker (metrics_client_from_config's default),
# the observer keeps raw measurements and the worker formats them at each flush.


@pytest.fixture
def buffered_client(receiver: socket.socket) -> Iterator[Client]:
    """A client whose worker only flushes when asked (the interval is an hour)."""
    port = receiver.getsockname()[1]
    client = make_client("myservice", config.Endpoint(f"127.0.0.1:{port}"), flush_interval=3600.0)
    yield client
    client.transport.close()  # type: ignore[attr-defined]


def test_background_worker_sends_timings_and_summed_counters(
    buffered_client: Client, receiver: socket.socket
) -> None:
    """Requests' timers come in the order they finished; each counter comes once, summed."""
    baseplate = Baseplate()
    baseplate.configure_metrics(buffered_client)
    for name in ("first", "second", "first"):
        with baseplate.make_server_span(RequestContext(), name) as span:
            with span.make_child("redis.get"):
                pass
            with span.make_child("render", local=True, component_name="jinja"):
                pass
    with (
        pytest.raises(ValueError, match="boom"),
        baseplate.make_server_span(RequestContext(), "first"),
    ):
        raise ValueError("boom")
    buffered_client.transport.flush()  # type: ignore[attr-defined]
    timers, others = split_timings(receiver.recv(65536))
    request = [b"myservice.clients.redis.get", b"myservice.jinja.render"]
    assert [
        *request,
        b"myservice.server.first",
        *request,
        b"myservice.server.second",
        *request,
        b"myservice.server.first",
        b"myservice.server.first",
    ] == timers
    assert others == [
        b"myservice.clients.redis.get.success:3|c",
        b"myservice.server.first.success:2|c",
        b"myservice.server.second.success:1|c",
        b"myservice.server.first.failure:1|c",
    ]


def test_background_worker_sends_application_metrics_too(
    buffered_client: Client, receiver: socket.socket
) -> None:
    """context.metrics is a batch as usual; its lines leave with the observer's."""
    baseplate = Baseplate()
    baseplate.configure_metrics(buffered_client)
    context = RequestContext()
    with baseplate.make_server_span(context, "handler") as span:
        assert isinstance(context.metrics, Batch)
        context.metrics.counter("cache.miss").increment()
        with span.make_child("memcache.get") as child:
            child.log("error.object", ConnectionResetError("reset"))
    buffered_client.transport.flush()  # type: ignore[attr-defined]
    timers, others = split_timings(receiver.recv(65536))
    assert timers == [b"myservice.clients.memcache.get", b"myservice.server.handler"]
    assert others == [
        b"myservice.cache.miss:1|c",
        b"myservice.errors.ConnectionResetError:1|c",
        b"myservice.clients.memcache.get.success:1|c",
        b"myservice.server.handler.success:1|c",
    ]


def test_first_request_starts_the_worker(receiver: socket.socket) -> None:
    """The worker runs once requests record something, without any explicit flush."""
    port = receiver.getsockname()[1]
    client = make_client("myservice", config.Endpoint(f"127.0.0.1:{port}"), flush_interval=0.05)
    try:
        baseplate = Baseplate()
        baseplate.configure_metrics(client)
        with baseplate.make_server_span(RequestContext(), "only"):
            pass
        timers, others = split_timings(receiver.recv(65536))
        assert timers == [b"myservice.server.only"]
        assert others == [b"myservice.server.only.success:1|c"]
    finally:
        client.transport.close()  # type: ignore[attr-defined]


def test_measurements_past_the_limit_are_dropped_and_warned(
    buffered_client: Client,
    receiver: socket.socket,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """If the worker cannot keep up, waiting measurements are dropped, counted and logged."""
    monkeypatch.setattr(_aggregator, "MAX_PENDING_RECORDS", 5)
    monkeypatch.setattr(_aggregator, "_EARLY_FLUSH_RECORDS", 4)
    observer = MetricsBaseplateObserver(buffered_client)
    baseplate = Baseplate()
    baseplate.register(observer)
    worker_flush = buffered_client.transport.flush  # type: ignore[attr-defined]
    # Stand in for a worker that never gets to run.
    monkeypatch.setattr(buffered_client.transport, "wake", lambda: None)
    with caplog.at_level(logging.WARNING, logger="baseplate.metrics"):
        # Requests check the backlog at 1, 5 and 9 measurements kept (every 4 after the
        # first); at 9 it is past the limit of 5, so those 9 are dropped.
        for _ in range(10):
            with baseplate.make_server_span(RequestContext(), "busy"):
                pass
    assert observer._aggregator.dropped == 9  # type: ignore[union-attr]
    assert "Dropped 9 request measurements: more than 5 were waiting" in caplog.text
    worker_flush()
    _, others = split_timings(receiver.recv(65536))
    assert others == [b"myservice.server.busy.success:1|c"]


def test_many_waiting_measurements_wake_the_worker_before_its_interval(
    buffered_client: Client, receiver: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A burst of requests is sent at once, not an interval (here an hour) later."""
    monkeypatch.setattr(_aggregator, "_EARLY_FLUSH_RECORDS", 4)
    baseplate = Baseplate()
    baseplate.configure_metrics(buffered_client)
    # The first request checks the backlog and wakes the worker; with 4 more waiting the
    # next check wakes it again. Nothing here calls flush().
    for _ in range(6):
        with baseplate.make_server_span(RequestContext(), "burst"):
            pass
    receiver.settimeout(5.0)
    timers: list[bytes] = []
    counted = 0.0
    while len(timers) < 5:
        got_timers, others = split_timings(receiver.recv(65536))
        timers += got_timers
        counted += sum(float(line.split(b":")[1].split(b"|")[0]) for line in others)
    assert {b"myservice.server.burst"} == set(timers)
    assert counted >= 5


def test_forked_child_does_not_resend_the_parents_measurements(
    buffered_client: Client, receiver: socket.socket
) -> None:
    """After a fork each process sends only the requests it handled itself."""
    baseplate = Baseplate()
    baseplate.configure_metrics(buffered_client)
    with baseplate.make_server_span(RequestContext(), "in_parent"):
        pass
    pid = os.fork()
    if pid == 0:  # the child: one request of its own, sent by its own flush
        code = 1
        try:
            with baseplate.make_server_span(RequestContext(), "in_child"):
                pass
            buffered_client.transport.flush()  # type: ignore[attr-defined]
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    buffered_client.transport.flush()  # type: ignore[attr-defined]
    received = sorted(split_timings(receiver.recv(65536))[1] for _ in range(2))
    assert received == [
        [b"myservice.server.in_child.success:1|c"],
        [b"myservice.server.in_parent.success:1|c"],
    ]


def slot_names(cls: type) -> set[str]:
    return {name for klass in cls.__mro__ for name in getattr(klass, "__slots__", ())}


@pytest.mark.parametrize("flush_interval", [None, 3600.0], ids=["at-once", "background"])
def test_observers_made_slot_by_slot_set_what_the_constructors_would(
    receiver: socket.socket, flush_interval: float | None
) -> None:
    """The request's and local spans' observers are made slot by slot on every request (no
    __init__ frame): each slot gets what Batch.__init__ and the client-span observer's
    __init__ give theirs, and no slot is left unset."""
    port = receiver.getsockname()[1]
    endpoint = config.Endpoint(f"127.0.0.1:{port}")
    client = make_client("myservice", endpoint, flush_interval=flush_interval)
    metrics = MetricsBaseplateObserver(client)
    baseplate = Baseplate()
    baseplate.register(metrics)
    context = RequestContext()
    server = baseplate.make_server_span(context, "handler")
    local_span = server.make_child("render", local=True, component_name="jinja")
    request = context.metrics
    (local,) = local_span.observers
    assert isinstance(request, _RequestObserver)
    assert isinstance(local, _LocalObserver)

    by_batch_init = _RequestObserver.__new__(_RequestObserver)
    Batch.__init__(by_batch_init, client.transport, "myservice")
    by_client_init = _ClientObserver(request._records, metrics._names, "render")
    batch_slots = slot_names(Batch)
    watcher_slots = slot_names(_ClientObserver) - {"_outcomes"}
    assert len(batch_slots) == 4  # the slots were found
    assert {"_aggregator", "_outcomes"} | batch_slots | watcher_slots == slot_names(
        _RequestObserver
    )
    assert {"_timer"} | watcher_slots == slot_names(_LocalObserver)
    for name in batch_slots:
        assert getattr(by_batch_init, name) == getattr(request, name), name
    for name in watcher_slots:
        assert getattr(by_client_init, name) == getattr(request, name), name
        assert getattr(by_client_init, name) == getattr(local, name), name
    assert metrics._names is request._names
    assert metrics._names.server("handler") == request._outcomes
    assert metrics._names.local("jinja", "render") == local._timer
    assert metrics._aggregator is request._aggregator
    if flush_interval is None:  # measurements go into this request's batch
        request._records.append(("myservice.t", 0.25, "myservice.c"))
        request.flush()
        assert receiver.recv(65536) == b"myservice.t:250|ms\nmyservice.c:1|c"
    else:
        assert metrics._aggregator is not None
        assert metrics._aggregator.records is request._records
        client.transport.close()  # type: ignore[attr-defined]
