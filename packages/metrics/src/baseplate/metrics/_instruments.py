"""The instruments: counters, timers, gauges and histograms, and the statsd lines they write.

Each instrument turns what the application reports into one statsd line and hands it to an
*emit* callable: the client's (which sends the line at once) or a batch's (which keeps it
until the batch is flushed). The names they are given are built and checked in ``_names``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from numbers import Real
from types import TracebackType
from typing import Protocol, TypeAlias

#: Where a metric puts its statsd line (without a trailing newline).
Emit = Callable[[str], None]

#: What the metrics observer keeps of one span, unformatted: (the timer's full name or None,
#: the seconds it took, the full name of the counter to increment by 1 or None).
Measurement: TypeAlias = tuple[str | None, float, str | None]


class MeasurementSink(Protocol):
    """Where the metrics observer's span observers put their measurements.

    A deque kept for the background worker, or a batch's writer (``Batch._measurement_sink``).
    """

    def append(self, measurement: Measurement, /) -> None:
        """Keep ``measurement``, to be sent as a timer line and a counter increment."""


def timer_line(name: str, seconds: float) -> str:
    """The statsd line of a timing: ``name:<milliseconds>|ms``, the value formatted ``{:g}``."""
    return f"{name}:{seconds * 1000.0:g}|ms"


def check_value(name: str, value: object) -> None:
    """Raise unless ``value`` is a finite real number (and not a bool).

    Raises:
        TypeError: if ``value`` is not a real number, or is a bool.
        ValueError: if ``value`` is infinite or NaN.
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"metric {name!r} needs a real number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"metric {name!r} needs a finite number, got {value!r}")


def check_sample_rate(name: str, sample_rate: float) -> None:
    """Raise unless ``sample_rate`` is a number in (0, 1]."""
    check_value(name, sample_rate)
    if not 0.0 < sample_rate <= 1.0:
        raise ValueError(
            f"counter {name!r} needs a sample rate greater than 0 and at most 1, "
            f"got {sample_rate!r}"
        )


class _Metric:
    """What every metric holds: its full name and where its lines go."""

    __slots__ = ("_emit", "name")

    # Documented once, here: every instrument's entry in the docs shows it.
    name: str
    """The full name of the metric, namespace included."""

    def __init__(self, name: str, emit: Emit) -> None:
        self.name = name
        self._emit = emit

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class Counter(_Metric):
    """A counter for counting events over time.

    Counters are made by :meth:`Client.counter <baseplate.metrics.Client.counter>` or
    :meth:`Batch.counter <baseplate.metrics.Batch.counter>`. Each call to :meth:`send` (through
    :meth:`increment` or :meth:`decrement`) sends ``name:<delta>|c``, with ``|@<rate>``
    appended when the sample rate is not 1.

    .. versionadded:: 0.1.0
    """

    __slots__ = ()

    def increment(self, delta: float = 1, sample_rate: float = 1.0) -> None:
        """Increment the counter.

        Args:
            delta: The amount to increase the counter by.
            sample_rate: The fraction of events this call stands for, in (0, 1]. Sampling is
                up to the application: pass the rate at which you call this method.

        Raises:
            TypeError: if ``delta`` or ``sample_rate`` is not a number.
            ValueError: if either is not finite, or ``sample_rate`` is outside (0, 1].
        """
        self.send(delta, sample_rate)

    def decrement(self, delta: float = 1, sample_rate: float = 1.0) -> None:
        """Decrement the counter: the same as :meth:`increment` with ``delta`` negated."""
        self.send(-delta, sample_rate)

    def send(self, delta: float, sample_rate: float) -> None:
        """Send the counter to the backend.

        Args:
            delta: The amount to add to the counter (negative to subtract).
            sample_rate: The sampling rate the application used, in (0, 1].

        Raises:
            TypeError: if ``delta`` or ``sample_rate`` is not a number.
            ValueError: if either is not finite, or ``sample_rate`` is outside (0, 1].
        """
        check_value(self.name, delta)
        check_sample_rate(self.name, sample_rate)
        if sample_rate == 1.0:
            self._emit(f"{self.name}:{delta:g}|c")
        else:
            self._emit(f"{self.name}:{delta:g}|c|@{sample_rate:g}")


class BatchCounter(Counter):
    """A counter inside a :class:`~baseplate.metrics.Batch`.

    Increments are added up per sample rate and sent as one line per rate when the batch is
    flushed, so a counter bumped a hundred times in a request costs one line.

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_totals",)

    def __init__(self, name: str, totals: dict[str | tuple[str, float], float]) -> None:
        super().__init__(name, _no_emit)
        self._totals = totals

    def send(self, delta: float, sample_rate: float) -> None:
        """Add ``delta`` to the batch's total for this counter and sample rate.

        Raises:
            TypeError: if ``delta`` or ``sample_rate`` is not a number.
            ValueError: if either is not finite, or ``sample_rate`` is outside (0, 1].
        """
        check_value(self.name, delta)
        check_sample_rate(self.name, sample_rate)
        key: str | tuple[str, float] = (
            self.name if sample_rate == 1.0 else (self.name, float(sample_rate))
        )
        totals = self._totals
        totals[key] = totals.get(key, 0.0) + delta


def _no_emit(line: str) -> None:  # pragma: no cover - BatchCounter never emits directly
    raise AssertionError("a batch counter is sent by its batch")


class Timer(_Metric):
    """A timer for recording elapsed times.

    It sends ``name:<milliseconds>|ms``. It measures with :func:`time.perf_counter`, a
    monotonic clock, so wall-clock adjustments do not distort timings. As a context manager,
    it is started on entry and stopped on exit.

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_start",)

    def __init__(self, name: str, emit: Emit) -> None:
        super().__init__(name, emit)
        self._start: float | None = None

    def start(self) -> None:
        """Record the current time as the start of the timer (restarting it if running)."""
        self._start = time.perf_counter()

    def stop(self) -> None:
        """Stop the timer and send the time elapsed since :meth:`start`.

        Raises:
            RuntimeError: if the timer is not running.
        """
        start = self._start
        if start is None:
            raise RuntimeError(f"timer {self.name!r} was stopped but is not running")
        self._start = None
        self.send(time.perf_counter() - start)

    def send(self, elapsed: float) -> None:
        """Send a timing measured elsewhere.

        Args:
            elapsed: The elapsed time, in seconds; it is sent in milliseconds.

        Raises:
            TypeError: if ``elapsed`` is not a number.
            ValueError: if ``elapsed`` is not finite.
        """
        check_value(self.name, elapsed)
        self._emit(timer_line(self.name, elapsed))

    def __enter__(self) -> Timer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class Gauge(_Metric):
    """A gauge: a value that is replaced rather than accumulated, such as a pool size.

    It sends ``name:<value>|g``. statsd can also add to a gauge, but the running value is
    lost whenever the statsd server restarts, so only replacing is offered.

    .. versionadded:: 0.1.0
    """

    __slots__ = ()

    def replace(self, new_value: float) -> None:
        """Replace the value held by the gauge.

        Args:
            new_value: The new value, zero or more.

        Raises:
            ValueError: if ``new_value`` is negative (statsd reads a leading ``-`` as "subtract
                from the current value") or not finite.
            TypeError: if ``new_value`` is not a number.
        """
        check_value(self.name, new_value)
        if new_value < 0:
            raise ValueError(
                f"gauge {self.name!r} cannot be set to a negative value, got {new_value!r}"
            )
        self._emit(f"{self.name}:{new_value:g}|g")


class Histogram(_Metric):
    """A distribution of values, bucketed by the statsd backend.

    It sends ``name:<value>|h``; the backend must support the ``h`` type, and its
    configuration decides the buckets.

    .. versionadded:: 0.1.0
    """

    __slots__ = ()

    def add_sample(self, value: float) -> None:
        """Add a value to the histogram.

        Raises:
            TypeError: if ``value`` is not a number.
            ValueError: if ``value`` is not finite.
        """
        check_value(self.name, value)
        self._emit(f"{self.name}:{value:g}|h")
