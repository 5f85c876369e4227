"""The statsd client, batches, and the factories that build clients."""

from __future__ import annotations

import socket
from types import TracebackType

from baseplate.config import EndpointConfiguration

from ._buffered import BufferedTransport
from ._instruments import (
    BatchCounter,
    Counter,
    Gauge,
    Histogram,
    Measurement,
    Timer,
    timer_line,
)
from ._names import check_namespace, metric_name
from ._transport import (
    DEFAULT_MAX_PACKET_SIZE,
    DatagramTransport,
    NullTransport,
    Transport,
    check_max_packet_size,
)

_new = object.__new__


class _Instruments:
    """The factories :class:`Client` and :class:`Batch` share, for their ``_emit``."""

    __slots__ = ()

    _namespace: str

    def _emit(self, line: str) -> None:
        raise NotImplementedError

    def timer(self, name: str) -> Timer:
        """Return a :class:`Timer` named ``name`` (under the namespace).

        Raises:
            ValueError: if the name is empty or holds a character statsd cannot carry.
        """
        return Timer(metric_name(self._namespace, name), self._emit)

    def gauge(self, name: str) -> Gauge:
        """Return a :class:`Gauge` named ``name`` (under the namespace).

        Raises:
            ValueError: if the name is empty or holds a character statsd cannot carry.
        """
        return Gauge(metric_name(self._namespace, name), self._emit)

    def histogram(self, name: str) -> Histogram:
        """Return a :class:`Histogram` named ``name`` (under the namespace).

        Raises:
            ValueError: if the name is empty or holds a character statsd cannot carry.
        """
        return Histogram(metric_name(self._namespace, name), self._emit)


class Client(_Instruments):
    """A client for statsd.

    Every metric made by the client sends its line at once, as its own datagram. To send
    several metrics together, collect them in a :meth:`batch`.

    Metric names are the client's namespace and the given name joined with a dot, each with
    leading and trailing dots removed. They must be printable ASCII without ``:`` or ``|``.

    Args:
        transport: Where the encoded metrics go (see :func:`make_client`).
        namespace: The prefix of every metric name; may be empty.

    Raises:
        ValueError: if ``namespace`` holds a character a metric name cannot.

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_namespace", "_transport")

    def __init__(self, transport: Transport, namespace: str) -> None:
        check_namespace(namespace)
        self._transport = transport
        self._namespace = namespace

    def __repr__(self) -> str:
        return f"<Client namespace={self._namespace!r} transport={self._transport!r}>"

    @property
    def namespace(self) -> str:
        """The prefix of every metric name this client makes."""
        return self._namespace

    @property
    def transport(self) -> Transport:
        """Where this client's metrics are sent."""
        return self._transport

    def _emit(self, line: str) -> None:
        self._transport.send(line.encode("ascii"))

    def batch(self) -> Batch:
        """Return a client-like object that collects metrics and sends them together.

        Batching saves packets: the whole batch goes out in as few datagrams as possible when
        it is flushed.
        """
        return Batch(self._transport, self._namespace)

    def counter(self, name: str) -> Counter:
        """Return a :class:`Counter` named ``name`` (under the namespace).

        Raises:
            ValueError: if the name is empty or holds a character statsd cannot carry.
        """
        return Counter(metric_name(self._namespace, name), self._emit)


class Batch(_Instruments):
    """A batch of metrics to send to statsd together.

    Timers, gauges and histograms are kept in the order they are recorded. Counters are added
    up per name and sample rate (see :class:`BatchCounter`) and come after them, one line per
    name and rate, in the order each was first used. :meth:`flush` sends all of that as one
    payload, split into datagrams at line boundaries when it does not fit in one, and empties
    the batch, which can then be used again.

    As a context manager, the batch is flushed on exit (whether or not an exception is
    propagating).

    Batches are made by :meth:`Client.batch`; during a request the metrics observer puts one
    on the context object as ``context.metrics``. A batch is meant for one thread or greenlet.

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_counters", "_lines", "_namespace", "_transport")

    def __init__(self, transport: Transport, namespace: str) -> None:
        self._transport = transport
        self._namespace = namespace
        self._lines: list[str] = []
        # Counter totals: the full name for sample rate 1, else (full name, sample rate).
        self._counters: dict[str | tuple[str, float], float] = {}

    def __repr__(self) -> str:
        pending = len(self._lines) + len(self._counters)
        return f"<Batch namespace={self._namespace!r} pending_lines={pending}>"

    @property
    def namespace(self) -> str:
        """The prefix of every metric name in this batch."""
        return self._namespace

    def counter(self, name: str) -> Counter:
        """Return a :class:`BatchCounter` named ``name`` (under the namespace).

        Raises:
            ValueError: if the name is empty or holds a character statsd cannot carry.
        """
        return BatchCounter(metric_name(self._namespace, name), self._counters)

    def _emit(self, line: str) -> None:
        self._lines.append(line)

    def _measurement_sink(self) -> _MeasurementWriter:
        """Where the metrics observer writes the request's measurements when it sends them
        with the request's batch: each becomes a timer line and a counter increment here."""
        # _MeasurementWriter(...) written out: this is called on every request.
        writer = _new(_MeasurementWriter)
        writer._lines = self._lines
        writer._counters = self._counters
        return writer

    def flush(self) -> None:
        """Send everything recorded since the last flush, then empty the batch.

        Never raises for network problems: the transport logs them.
        """
        lines = self._lines
        counters = self._counters
        if counters:
            for key, total in counters.items():
                if isinstance(key, str):
                    # A total of 1 is by far the most common; skip formatting a float for it.
                    lines.append(key + ":1|c" if total == 1.0 else f"{key}:{total:g}|c")
                else:
                    name, rate = key
                    lines.append(f"{name}:{total:g}|c|@{rate:g}")
            counters.clear()
        if lines:
            payload = "\n".join(lines).encode("ascii")
            lines.clear()
            self._transport.send(payload)

    def __enter__(self) -> Batch:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.flush()


class _MeasurementWriter:
    """Writes the metrics observer's measurements into a batch (made by the batch)."""

    __slots__ = ("_counters", "_lines")

    _lines: list[str]
    _counters: dict[str | tuple[str, float], float]

    def append(self, measurement: Measurement) -> None:
        timer, seconds, counter = measurement
        if timer is not None:
            self._lines.append(timer_line(timer, seconds))
        if counter is not None:
            counters = self._counters
            counters[counter] = counters.get(counter, 0.0) + 1.0


def make_client(
    namespace: str,
    endpoint: EndpointConfiguration | None,
    *,
    max_packet_size: int = DEFAULT_MAX_PACKET_SIZE,
    flush_interval: float | None = None,
) -> Client:
    """Return a configured client.

    Args:
        namespace: The root key to prefix all metrics with.
        endpoint: Where to send metrics (a UDP host and port, as an
            :class:`~baseplate.config.InternetAddress` or any ``(host, port)`` two-tuple, or a
            UNIX datagram socket path), or ``None`` for a client that discards all metrics.
        max_packet_size: The largest datagram to send, in bytes; larger batches are split.
            See :class:`DatagramTransport`.
        flush_interval: ``None`` (the default) sends each batch when it is flushed, as the
            original did. A number of seconds instead queues payloads and sends them,
            coalesced, from a background worker at that interval, taking the socket off the
            request path (see :class:`BufferedTransport`).

    Returns:
        A client.

    Raises:
        ValueError: if ``namespace``, ``max_packet_size`` or ``flush_interval`` is not
            acceptable, or the endpoint is not a UDP or UNIX socket address.

    .. seealso:: :func:`metrics_client_from_config`.

    .. versionadded:: 0.1.0
    """
    check_namespace(namespace)
    transport: Transport
    if endpoint is None:
        check_max_packet_size(max_packet_size, socket.AF_UNIX)
        transport = NullTransport()
    else:
        datagrams = DatagramTransport(endpoint, max_packet_size)
        if flush_interval is None:
            transport = datagrams
        else:
            transport = BufferedTransport(datagrams, flush_interval)
    return Client(transport, namespace)
