"""Tests for baseplate.metrics: statsd lines on real UDP and UNIX datagram sockets."""

from __future__ import annotations

import itertools
import logging
import os
import re
import socket
import tempfile
import threading
import time
from collections.abc import Iterator

import pytest

from baseplate import config
from baseplate.metrics import (
    DEFAULT_MAX_PACKET_SIZE,
    Batch,
    BatchCounter,
    Client,
    Counter,
    DatagramTransport,
    NullTransport,
    Transport,
    make_client,
    metrics_client_from_config,
)

RECEIVE_TIMEOUT = 2.0


class Receiver:
    """A real datagram socket standing in for the statsd server."""

    def __init__(self, sock: socket.socket, endpoint_text: str) -> None:
        self.sock = sock
        self.endpoint_text = endpoint_text
        self.endpoint = config.Endpoint(endpoint_text)
        sock.settimeout(RECEIVE_TIMEOUT)

    def recv(self) -> bytes:
        """Return the next datagram (failing the test after RECEIVE_TIMEOUT)."""
        return self.sock.recv(1 << 20)

    def recv_until(self, marker: bytes) -> list[bytes]:
        """Return every datagram up to and excluding one equal to ``marker``."""
        datagrams: list[bytes] = []
        deadline = time.monotonic() + RECEIVE_TIMEOUT
        while time.monotonic() < deadline:
            datagram = self.recv()
            if datagram == marker:
                return datagrams
            datagrams.append(datagram)
        pytest.fail(f"marker {marker!r} not received")


def _big_receive_buffer(sock: socket.socket) -> None:
    # Tests that send many datagrams before reading: let the kernel queue them all.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)


@pytest.fixture
def udp_receiver() -> Iterator[Receiver]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    _big_receive_buffer(sock)
    sock.bind(("127.0.0.1", 0))
    try:
        yield Receiver(sock, f"127.0.0.1:{sock.getsockname()[1]}")
    finally:
        sock.close()


@pytest.fixture
def socket_dir() -> Iterator[str]:
    # Short, so the path fits in sockaddr_un (108 bytes).
    with tempfile.TemporaryDirectory(prefix="bpm-") as directory:
        yield directory


@pytest.fixture
def unix_receiver(socket_dir: str) -> Iterator[Receiver]:
    path = os.path.join(socket_dir, "statsd.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    receiver = Receiver(sock, path)
    try:
        yield receiver
    finally:
        receiver.sock.close()  # a test may have replaced the socket


@pytest.fixture(params=["udp", "unix"])
def receiver(request: pytest.FixtureRequest) -> Receiver:
    name = "udp_receiver" if request.param == "udp" else "unix_receiver"
    result: Receiver = request.getfixturevalue(name)
    return result


def test_timer_send_is_milliseconds(receiver: Receiver) -> None:
    """A timer of 3.14 s is sent as 3140 ms, as docs/metrics.rst specifies."""
    client = make_client("", receiver.endpoint)
    client.timer("example").send(3.14)
    assert receiver.recv() == b"example:3140|ms"


def test_counter_with_sample_rate(receiver: Receiver) -> None:
    """A sampled counter line carries the rate after ``|@``."""
    client = make_client("", receiver.endpoint)
    client.counter("example").increment(2, sample_rate=0.5)
    assert receiver.recv() == b"example:2|c|@0.5"


def test_counter_lines(udp_receiver: Receiver) -> None:
    """increment defaults to 1, decrement sends the negated delta, send is direct."""
    client = make_client("ns", udp_receiver.endpoint)
    counter = client.counter("hits")
    counter.increment()
    counter.decrement(3)
    counter.send(1.5, 0.25)
    lines = [udp_receiver.recv() for _ in range(3)]
    assert lines == [b"ns.hits:1|c", b"ns.hits:-3|c", b"ns.hits:1.5|c|@0.25"]


def test_gauge_and_histogram_lines(receiver: Receiver) -> None:
    """Gauges send ``|g`` and histograms ``|h``."""
    client = make_client("ns", receiver.endpoint)
    client.gauge("workers").replace(4)
    client.histogram("size").add_sample(320)
    assert [receiver.recv(), receiver.recv()] == [b"ns.workers:4|g", b"ns.size:320|h"]


def test_values_use_g_formatting(udp_receiver: Receiver) -> None:
    """Values are formatted like Python's ``{:g}``: six significant digits, exponents."""
    client = make_client("ns", udp_receiver.endpoint)
    client.counter("big").increment(1000000)
    client.timer("short").send(0.0001234567)
    client.gauge("ratio").replace(0.5)
    lines = [udp_receiver.recv() for _ in range(3)]
    assert lines == [b"ns.big:1e+06|c", b"ns.short:0.123457|ms", b"ns.ratio:0.5|g"]


def test_names_strip_dots_per_node(udp_receiver: Receiver) -> None:
    """Namespace and name are joined by one dot; each loses its outer dots."""
    client = make_client(".my.service.", udp_receiver.endpoint)
    client.counter(".events.connect.").increment()
    assert udp_receiver.recv() == b"my.service.events.connect:1|c"
    assert client.namespace == ".my.service."


def test_gauge_rejects_negative_values() -> None:
    """A negative gauge would be read by statsd as a delta, so it is refused."""
    client = make_client("ns", None)
    with pytest.raises(ValueError, match=r"gauge 'ns.g' cannot be set to a negative value, got -1"):
        client.gauge("g").replace(-1)


@pytest.mark.parametrize("name", ["naïve", "a:b", "a|b", "line\nbreak", ""])
def test_bad_names_are_rejected(name: str) -> None:
    """Names must be non-empty printable ASCII without the statsd separators."""
    client = make_client("ns", None)
    with pytest.raises(ValueError, match="metric name"):
        client.counter(name)
    with pytest.raises(ValueError, match="metric name"):
        client.batch().timer(name)


def test_bad_namespace_is_rejected() -> None:
    """The namespace obeys the same rules as names."""
    with pytest.raises(ValueError, match="metric name 'café' contains 'é'"):
        make_client("café", None)


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (float("nan"), ValueError, "needs a finite number, got nan"),
        (float("inf"), ValueError, "needs a finite number, got inf"),
        (True, TypeError, "needs a real number, got True"),
        ("1", TypeError, "needs a real number, got '1'"),
    ],
)
def test_bad_values_are_rejected(value: object, error: type[Exception], message: str) -> None:
    """Values that statsd cannot parse are refused with the metric's name."""
    client = make_client("ns", None)
    with pytest.raises(error, match=re.escape(f"metric 'ns.x' {message}")):
        client.histogram("x").add_sample(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("rate", [0, -0.5, 1.5])
def test_bad_sample_rates_are_rejected(rate: float) -> None:
    """A sample rate must be greater than 0 and at most 1."""
    batch = make_client("ns", None).batch()
    with pytest.raises(ValueError, match=rf"counter 'ns.c' needs a sample rate .* got {rate}"):
        batch.counter("c").increment(sample_rate=rate)


def test_timer_measures_with_perf_counter(
    udp_receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A timer used as a context manager sends the perf_counter difference in ms."""
    readings = iter([100.0, 103.14])
    monkeypatch.setattr(time, "perf_counter", lambda: next(readings))
    monkeypatch.setattr(time, "time", lambda: pytest.fail("wall clock used"))
    client = make_client("ns", udp_receiver.endpoint)
    with client.timer("work"):
        pass
    assert udp_receiver.recv() == b"ns.work:3140|ms"


def test_timer_stop_without_start() -> None:
    """Stopping a timer that is not running is an error, not a bogus timing."""
    timer = make_client("ns", None).timer("t")
    with pytest.raises(RuntimeError, match=r"timer 'ns\.t' was stopped but is not running"):
        timer.stop()
    timer.start()
    timer.stop()
    with pytest.raises(RuntimeError, match="not running"):
        timer.stop()


def test_batch_sends_one_datagram(receiver: Receiver) -> None:
    """A batch is one datagram: other metrics in order, then counters aggregated."""
    client = make_client("ns", receiver.endpoint)
    with client.batch() as batch:
        batch.counter("froozles").increment()
        batch.counter("blargs").decrement(delta=3)
        batch.timer("something").send(0.25)
        batch.counter("froozles").increment()
        batch.counter("froozles").increment(3, sample_rate=0.5)
        batch.gauge("g").replace(7)
        batch.histogram("h").add_sample(2)
        batch.counter("blargs").increment(0.5)
    expected = (
        b"ns.something:250|ms\nns.g:7|g\nns.h:2|h\n"
        b"ns.froozles:2|c\nns.blargs:-2.5|c\nns.froozles:3|c|@0.5"
    )
    assert expected == receiver.recv()


def test_batch_counter_types(udp_receiver: Receiver) -> None:
    """Batch counters are BatchCounter objects, a kind of Counter."""
    counter = make_client("ns", udp_receiver.endpoint).batch().counter("c")
    assert isinstance(counter, BatchCounter)
    assert isinstance(counter, Counter)
    assert counter.name == "ns.c"


def test_batch_is_emptied_by_flush(udp_receiver: Receiver) -> None:
    """After a flush the batch is empty: flushing again sends nothing, and it can be reused."""
    client = make_client("ns", udp_receiver.endpoint)
    batch = client.batch()
    batch.counter("a").increment()
    batch.flush()
    batch.flush()  # nothing to send
    batch.counter("b").increment()
    batch.flush()
    client.counter("marker").increment()
    assert udp_receiver.recv_until(b"ns.marker:1|c") == [b"ns.a:1|c", b"ns.b:1|c"]


def test_batch_flushes_when_block_raises(udp_receiver: Receiver) -> None:
    """The batch is flushed on exit even when the block raises."""
    client = make_client("ns", udp_receiver.endpoint)
    batch = client.batch()

    def fail_inside_batch() -> None:
        with batch:
            batch.counter("before").increment()
            raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        fail_inside_batch()
    assert udp_receiver.recv() == b"ns.before:1|c"
    assert batch.namespace == "ns"


def _lines_of(datagrams: list[bytes]) -> list[bytes]:
    return [line for datagram in datagrams for line in datagram.split(b"\n")]


@pytest.mark.parametrize(("lines", "limit"), [(30, 100), (60, 250)])
def test_batch_split_with_small_limit(receiver: Receiver, lines: int, limit: int) -> None:
    """A batch over the limit is split at line boundaries, greedily, each line exactly once."""
    client = make_client("ns", receiver.endpoint, max_packet_size=limit)
    with client.batch() as batch:
        for i in range(lines):
            batch.counter(f"counter{i:03d}").increment()
    client.counter("marker").increment()
    datagrams = receiver.recv_until(b"ns.marker:1|c")
    expected = [f"ns.counter{i:03d}:1|c".encode() for i in range(lines)]
    assert expected == _lines_of(datagrams)
    assert all(len(datagram) <= limit for datagram in datagrams)
    # Greedy: the first line of each datagram would not have fitted in the previous one.
    for previous, following in itertools.pairwise(datagrams):
        assert len(previous) + 1 + len(following.split(b"\n")[0]) > limit


def test_batch_split_exactly_at_limit(udp_receiver: Receiver) -> None:
    """A datagram may be exactly max_packet_size bytes long."""
    # Each line is 12 bytes; two lines and their newline make exactly 25.
    client = make_client("", udp_receiver.endpoint, max_packet_size=25)
    with client.batch() as batch:
        for name in ("aaaa", "bbbb", "cccc", "dddd", "eeee"):
            batch.gauge(name).replace(12345)
    client.counter("marker").increment()
    expected = [b"aaaa:12345|g\nbbbb:12345|g", b"cccc:12345|g\ndddd:12345|g", b"eeee:12345|g"]
    assert expected == udp_receiver.recv_until(b"marker:1|c")


def test_batch_larger_than_default_limit(udp_receiver: Receiver) -> None:
    """10,000 counters (far over 65,507 bytes) arrive, each line once, within the limit."""
    client = make_client("myservice", udp_receiver.endpoint)
    with client.batch() as batch:
        for i in range(10_000):
            batch.counter(f"some.fairly.long.counter.name.{i:05d}").increment(i)
    client.counter("marker").increment()
    datagrams = udp_receiver.recv_until(b"myservice.marker:1|c")
    expected = [
        f"myservice.some.fairly.long.counter.name.{i:05d}:{i:g}|c".encode() for i in range(10_000)
    ]
    assert sum(len(line) + 1 for line in expected) > 2 * DEFAULT_MAX_PACKET_SIZE
    assert expected == _lines_of(datagrams)
    assert len(datagrams) >= 3
    assert all(len(datagram) <= DEFAULT_MAX_PACKET_SIZE for datagram in datagrams)


def test_oversized_line_is_dropped_with_warning(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    """A line longer than the limit is dropped and named in a warning; the rest arrive."""
    client = make_client("ns", receiver.endpoint, max_packet_size=64)
    long_name = "x" * 80
    with caplog.at_level(logging.WARNING, logger="baseplate.metrics"), client.batch() as batch:
        batch.gauge("first").replace(1)
        batch.gauge(long_name).replace(2)
        batch.gauge("last").replace(3)
    client.counter("marker").increment()
    assert receiver.recv_until(b"ns.marker:1|c") == [b"ns.first:1|g", b"ns.last:3|g"]
    assert [f"ns.{long_name}"] == [
        record.args[0]  # type: ignore[index]
        for record in caplog.records
        if record.getMessage().startswith("Dropped metric")
    ]
    assert (
        f"Dropped metric 'ns.{long_name}': its statsd line is 87 bytes, more than the maximum "
        "packet size of 64 bytes"
    ) in caplog.text


def test_oversized_lines_are_warned_about_at_most_every_interval(
    udp_receiver: Receiver, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A metric too long for every request costs one warning per interval; the next warning
    counts the lines dropped in between."""
    transport = DatagramTransport(udp_receiver.endpoint, max_packet_size=16)
    monkeypatch.setattr(transport._oversized, "interval", 0.3)
    with caplog.at_level(logging.WARNING, logger="baseplate.metrics"):
        for _ in range(3):
            transport.send(b"ns.much.too.long.for.sixteen:1|c")
        time.sleep(0.35)
        transport.send(b"ns.much.too.long.for.sixteen:1|c")
    warnings = [r.getMessage() for r in caplog.records if "Dropped metric" in r.getMessage()]
    assert warnings == [
        "Dropped metric 'ns.much.too.long.for.sixteen': its statsd line is 32 bytes, more than "
        "the maximum packet size of 16 bytes",
        "Dropped metric 'ns.much.too.long.for.sixteen': its statsd line is 32 bytes, more than "
        "the maximum packet size of 16 bytes; 2 more line(s) dropped since the last warning",
    ]


def test_single_oversized_line_is_dropped(
    udp_receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    """A lone metric over the limit is dropped (not sent truncated), with a warning."""
    client = make_client("ns", udp_receiver.endpoint, max_packet_size=10)
    with caplog.at_level(logging.WARNING, logger="baseplate.metrics"):
        client.counter("too.long.for.ten").increment()
    assert "Dropped metric 'ns.too.long.for.ten'" in caplog.text


def test_send_error_to_missing_unix_socket_is_logged(
    socket_dir: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A UNIX endpoint that does not exist neither raises nor stays silent."""
    path = os.path.join(socket_dir, "missing.sock")
    with caplog.at_level(logging.WARNING, logger="baseplate.metrics"):
        client = make_client("ns", config.Endpoint(path))
        with client.batch() as batch:
            batch.counter("a").increment()
            batch.counter("b").increment()
            batch.gauge("c").replace(1)
    payload_size = len(b"ns.c:1|g\nns.a:1|c\nns.b:1|c")
    assert f"Could not connect to the metrics endpoint {path}" in caplog.text
    expected = f"Could not send a metrics batch of {payload_size} bytes (3 lines) to {path}"
    assert caplog.text.count(expected) == 1


def test_send_error_from_refused_udp_port_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    """An ICMP "port unreachable" surfaces on a later send; it is logged, not raised."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nobody listens there now
    client = make_client("ns", config.Endpoint(f"127.0.0.1:{port}"))
    with caplog.at_level(logging.WARNING, logger="baseplate.metrics"):
        for _ in range(20):
            client.counter("lost").increment()
            if "Could not send" in caplog.text:
                break
            time.sleep(0.01)
    assert (
        f"Could not send a metrics batch of 11 bytes (1 lines) to 127.0.0.1:{port}: "
        "1 of 1 datagrams were lost ([Errno 111] Connection refused)"
    ) in caplog.text


def test_unix_receiver_restart_reconnects(
    unix_receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    """When the statsd socket is replaced, one send fails (logged), then delivery resumes."""
    client = make_client("ns", unix_receiver.endpoint)
    client.counter("before").increment()
    assert unix_receiver.recv() == b"ns.before:1|c"
    unix_receiver.sock.close()
    os.unlink(unix_receiver.endpoint_text)
    replacement = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    replacement.bind(unix_receiver.endpoint_text)
    replacement.settimeout(RECEIVE_TIMEOUT)
    unix_receiver.sock = replacement
    with caplog.at_level(logging.WARNING, logger="baseplate.metrics"):
        client.counter("during").increment()
    assert "Could not send a metrics batch of 13 bytes (1 lines)" in caplog.text
    client.counter("after").increment()
    assert replacement.recv(100) == b"ns.after:1|c"


def test_full_unix_queue_never_blocks(
    unix_receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    """A statsd server that stops reading makes sends fail fast (logged), never block."""
    client = make_client("ns", unix_receiver.endpoint)

    def flood() -> None:
        for _ in range(200):
            client.gauge("flood").replace(1)

    with caplog.at_level(logging.WARNING, logger="baseplate.metrics"):
        sender = threading.Thread(target=flood, daemon=True)
        sender.start()
        sender.join(timeout=10)
        assert not sender.is_alive(), "sending blocked on a full socket"
    assert "Resource temporarily unavailable" in caplog.text


def test_send_failures_are_warned_about_at_most_every_interval(
    unix_receiver: Receiver, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dead statsd costs one warning per interval, not one per request; all are counted."""
    transport = DatagramTransport(unix_receiver.endpoint)
    monkeypatch.setattr(transport._failures, "interval", 0.3)
    unix_receiver.sock.close()  # nobody reads: every send now fails
    os.unlink(unix_receiver.endpoint_text)
    with caplog.at_level(logging.WARNING, logger="baseplate.metrics"):
        for _ in range(50):
            transport.send(b"ns.lost:1|c")
        assert caplog.text.count("Could not send a metrics batch") == 1
        time.sleep(0.35)
        transport.send(b"ns.lost:1|c")
    assert transport.failed == 51
    warnings = [r.getMessage() for r in caplog.records if "Could not send" in r.getMessage()]
    assert len(warnings) == 2
    assert warnings[1].endswith("; 49 more batch(es) failed since the last warning")


def test_ipv6_endpoint() -> None:
    """UDP over IPv6 sends the same bytes."""
    if not socket.has_ipv6:
        pytest.skip("no IPv6 support")
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    try:
        sock.bind(("::1", 0))
    except OSError as exc:
        sock.close()
        pytest.skip(f"no IPv6 loopback: {exc}")
    with sock:
        sock.settimeout(RECEIVE_TIMEOUT)
        client = make_client("ns", config.Endpoint(f"[::1]:{sock.getsockname()[1]}"))
        client.counter("v6").increment()
        assert sock.recv(100) == b"ns.v6:1|c"


def plain_tuple_endpoint(receiver: Receiver) -> config.EndpointConfiguration:
    """The receiver's endpoint with a plain ``(host, port)`` tuple as its address."""
    host, port = receiver.sock.getsockname()
    return config.EndpointConfiguration(socket.AF_INET, (host, port))  # type: ignore[arg-type]


@pytest.mark.parametrize("flush_interval", [None, 0.05], ids=["at-once", "background"])
def test_make_client_takes_a_plain_tuple_address(
    udp_receiver: Receiver, flush_interval: float | None
) -> None:
    """An EndpointConfiguration holds "a two-tuple of host and port": a plain tuple works,
    sending at once or from the background worker."""
    client = make_client("ns", plain_tuple_endpoint(udp_receiver), flush_interval=flush_interval)
    try:
        client.counter("plain").increment()
        assert udp_receiver.recv() == b"ns.plain:1|c"
    finally:
        client.transport.close()  # type: ignore[attr-defined]


def test_transport_takes_a_plain_tuple_address(udp_receiver: Receiver) -> None:
    """DatagramTransport sends to a plain ``(host, port)`` tuple, and names it in its repr."""
    endpoint = plain_tuple_endpoint(udp_receiver)
    transport = DatagramTransport(endpoint)
    transport.send(b"ns.plain:1|c")
    assert udp_receiver.recv() == b"ns.plain:1|c"
    host, port = endpoint.address
    assert f"<DatagramTransport {host}:{port} max_packet_size=65507>" == repr(transport)


@pytest.mark.parametrize(
    "address",
    [("127.0.0.1", 8125, 0), "/tmp/statsd.sock", ("127.0.0.1",)],
    ids=["three-tuple", "path", "one-tuple"],
)
def test_transport_rejects_an_address_its_family_cannot_take(address: object) -> None:
    """A UDP endpoint needs a (host, port) pair; anything else is refused, naming it."""
    endpoint = config.EndpointConfiguration(socket.AF_INET, address)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="metrics endpoints must be UDP or UNIX sockets, got"):
        DatagramTransport(endpoint)


def test_max_packet_size_is_checked_against_the_family() -> None:
    """The limit cannot exceed what one datagram of the family can carry, nor be < 1."""
    with pytest.raises(ValueError, match="at most 65507, the largest datagram AF_INET can"):
        make_client("ns", config.Endpoint("127.0.0.1:8125"), max_packet_size=65508)
    with pytest.raises(ValueError, match="at most 65527, the largest datagram AF_INET6 can"):
        make_client("ns", config.Endpoint("[::1]:8125"), max_packet_size=65528)
    with pytest.raises(ValueError, match="must be a positive integer, got 0"):
        make_client("ns", config.Endpoint("/tmp/x.sock"), max_packet_size=0)
    transport = DatagramTransport(config.Endpoint("/nonexistent/x.sock"), max_packet_size=100_000)
    assert transport.max_packet_size == 100_000
    transport.close()


def test_null_client_discards(caplog: pytest.LogCaptureFixture) -> None:
    """Without an endpoint the client accepts every metric and sends nothing."""
    client = make_client("ns", None)
    assert isinstance(client.transport, NullTransport)
    with caplog.at_level(logging.DEBUG, logger="baseplate.metrics"):
        client.counter("c").increment()
        with client.batch() as batch:
            batch.timer("t").send(1)
    assert "Discarded metrics (no endpoint configured): b'ns.c:1|c'" in caplog.text


def test_client_accepts_any_transport() -> None:
    """Client works with any object following the Transport protocol."""

    class Recording:
        def __init__(self) -> None:
            self.payloads: list[bytes] = []

        def send(self, payload: bytes) -> None:
            self.payloads.append(payload)

    transport = Recording()
    assert isinstance(transport, Transport)
    client = Client(transport, "ns")
    with client.batch() as batch:
        batch.counter("a").increment()
    assert transport.payloads == [b"ns.a:1|c"]
    assert isinstance(batch, Batch)


def test_from_config_udp(udp_receiver: Receiver) -> None:
    """metrics.namespace and metrics.endpoint configure a working client."""
    client = metrics_client_from_config(
        {"metrics.namespace": "svc", "metrics.endpoint": udp_receiver.endpoint_text}
    )
    assert client.namespace == "svc"
    client.counter("events.connect").increment()
    assert udp_receiver.recv() == b"svc.events.connect:1|c"


def test_from_config_unix_with_max_packet_size(unix_receiver: Receiver) -> None:
    """A UNIX socket path works as the endpoint, and max_packet_size splits batches."""
    client = metrics_client_from_config(
        {
            "metrics.namespace": "svc",
            "metrics.endpoint": unix_receiver.endpoint_text,
            "metrics.max_packet_size": "15",
        }
    )
    with client.batch() as batch:
        batch.counter("a").increment()
        batch.counter("b").increment()
    assert [unix_receiver.recv(), unix_receiver.recv()] == [b"svc.a:1|c", b"svc.b:1|c"]


@pytest.mark.parametrize("raw", [{"metrics.endpoint": ""}, {}])
def test_from_config_empty_endpoint_discards(raw: dict[str, str]) -> None:
    """An empty or missing endpoint gives a client that discards metrics."""
    client = metrics_client_from_config({"metrics.namespace": "svc", **raw})
    assert isinstance(client.transport, NullTransport)
    client.counter("anything").increment()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"metrics.endpoint": "localhost:8125"}, r"^metrics\.namespace: "),
        ({"metrics.namespace": "a:b"}, r"^metrics\.namespace: metric name 'a:b' contains ':'"),
        ({"metrics.namespace": "svc", "metrics.endpoint": "nowhere"}, r"^metrics\.endpoint: "),
        (
            {"metrics.namespace": "svc", "metrics.endpoint": "localhost:99999"},
            r"^metrics\.endpoint: ",
        ),
        (
            {"metrics.namespace": "svc", "metrics.max_packet_size": "big"},
            r"^metrics\.max_packet_size: ",
        ),
        (
            {"metrics.namespace": "svc", "metrics.max_packet_size": "0"},
            r"^metrics\.max_packet_size: max_packet_size must be a positive integer, got 0",
        ),
        (
            {
                "metrics.namespace": "svc",
                "metrics.endpoint": "localhost:8125",
                "metrics.max_packet_size": "70000",
            },
            r"^metrics\.max_packet_size: max_packet_size must be at most 65507",
        ),
    ],
)
def test_from_config_errors_name_the_key(raw: dict[str, str], message: str) -> None:
    """Bad configuration raises ConfigurationError naming the full key."""
    with pytest.raises(config.ConfigurationError, match=message):
        metrics_client_from_config(raw)
