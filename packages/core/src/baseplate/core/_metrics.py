"""The shape of a metrics client, as observers and reporters use it.

baseplate-core does not send metrics itself; these protocols describe what code built on it
(the runtime monitor of baseplate-serve, the trace publisher, a third party's reporter) may
call on the client given to :meth:`Baseplate.configure_metrics
<baseplate.core.Baseplate.configure_metrics>`. :class:`baseplate.metrics.Client` and
:class:`baseplate.metrics.Batch` satisfy them.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol


class MetricsCounter(Protocol):
    """A counter, as returned by :meth:`MetricsInstruments.counter` (e.g. a metrics ``Counter``).

    .. versionadded:: 0.1.0
    """

    def increment(self, delta: float = 1, sample_rate: float = 1.0) -> None:
        """Add ``delta`` to the counter; ``sample_rate`` is the fraction of events counted."""

    def decrement(self, delta: float = 1, sample_rate: float = 1.0) -> None:
        """Subtract ``delta`` from the counter."""


class MetricsTimer(Protocol):
    """A timer, as returned by :meth:`MetricsInstruments.timer` (e.g. a metrics ``Timer``).

    As a context manager it is started on entry and stopped (sent) on exit.

    .. versionadded:: 0.1.0
    """

    def start(self) -> None:
        """Start timing now."""

    def stop(self) -> None:
        """Send the time elapsed since :meth:`start`."""

    def send(self, elapsed: float) -> None:
        """Send a timing of ``elapsed`` seconds measured elsewhere."""

    def __enter__(self) -> MetricsTimer: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


class MetricsGauge(Protocol):
    """A gauge, as returned by :meth:`MetricsInstruments.gauge` (e.g. a metrics ``Gauge``).

    .. versionadded:: 0.1.0
    """

    def replace(self, new_value: float) -> None:
        """Set the gauge to ``new_value``."""


class MetricsHistogram(Protocol):
    """A histogram, as returned by :meth:`MetricsInstruments.histogram`.

    .. versionadded:: 0.1.0
    """

    def add_sample(self, value: float) -> None:
        """Add ``value`` to the distribution."""


class MetricsInstruments(Protocol):
    """What makes instruments: both a :class:`MetricsClient` and a :class:`MetricsBatch`.

    Names are relative to the client's namespace.

    .. versionadded:: 0.1.0
    """

    def counter(self, name: str) -> MetricsCounter:
        """Return the counter ``name``."""

    def timer(self, name: str) -> MetricsTimer:
        """Return the timer ``name``."""

    def gauge(self, name: str) -> MetricsGauge:
        """Return the gauge ``name``."""

    def histogram(self, name: str) -> MetricsHistogram:
        """Return the histogram ``name``."""


class MetricsBatch(MetricsInstruments, Protocol):
    """Metrics collected to be sent together, as returned by :meth:`MetricsClient.batch`.

    Its instruments record into the batch; :meth:`flush` sends what was recorded and
    empties it. As a context manager it is flushed on exit. A batch is meant for one
    thread or greenlet.

    .. versionadded:: 0.1.0
    """

    def flush(self) -> None:
        """Send everything recorded since the last flush; must not raise for I/O errors."""

    def __enter__(self) -> MetricsBatch: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


class MetricsClient(MetricsInstruments, Protocol):
    """What an observer or reporter needs of a metrics client.

    :class:`baseplate.metrics.Client` is one. Instruments made from the client itself send
    each measurement at once; those made from a :meth:`batch` wait for its flush. Instrument
    methods may raise :exc:`ValueError` or :exc:`TypeError` for a name or value the backend
    cannot carry, but never for network trouble.

    .. versionadded:: 0.1.0
    """

    def batch(self) -> MetricsBatch:
        """Return a new, empty batch."""
