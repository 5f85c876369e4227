"""The tracing client and the factories that build one from arguments or configuration."""

from __future__ import annotations

import datetime
import logging
import socket
from typing import Any

from baseplate import config
from baseplate.core import Baseplate, ObserverPlugin, WarningLimiter

from ._recorders import LoggingRecorder, NullRecorder, Recorder, SidecarRecorder
from ._remote import RemoteRecorder
from ._zipkin import MAX_TAGS_PER_SPAN, ZipkinEndpoint

logger = logging.getLogger("baseplate.diagnostics.tracing")


def _local_ipv4() -> str:
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return "undefined"


def _check_sample_rate(sample_rate: object) -> float:
    if (
        isinstance(sample_rate, bool)
        or not isinstance(sample_rate, int | float)
        or not 0.0 <= sample_rate <= 1.0
    ):
        raise ValueError(f"sample_rate must be a fraction from 0.0 to 1.0, got {sample_rate!r}")
    return float(sample_rate)


class TracingClient:
    """What the tracing observer needs: who we are, how much to sample, where spans go.

    Args:
        service_name: This service's name, as the trace collector shows it.
        sample_rate: The fraction of requests to record when the upstream did not decide
            (``0.1`` records one in ten).
        recorder: Where finished spans go.
        w3c_tracecontext: Whether the W3C ``traceparent`` header should be accepted (and
            sent) besides Baseplate's own trace headers; :meth:`Baseplate.configure_tracing
            <baseplate.core.Baseplate.configure_tracing>` passes it on to the integrations.

    Attributes:
        service_name: As given.
        sample_rate: As given.
        recorder: As given.
        w3c_tracecontext: As given.
        endpoint: The :class:`ZipkinEndpoint` attached to every annotation: the service
            name and this host's IPv4 address (``"undefined"`` if it cannot be resolved).

    Raises:
        ValueError: if ``service_name`` is empty or ``sample_rate`` is not in [0, 1].

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        service_name: str,
        sample_rate: float,
        recorder: Recorder,
        *,
        w3c_tracecontext: bool = False,
    ) -> None:
        if not isinstance(service_name, str) or not service_name:
            raise ValueError(f"service_name must be a non-empty str, got {service_name!r}")
        if not isinstance(w3c_tracecontext, bool):
            raise TypeError(f"w3c_tracecontext must be a bool, got {w3c_tracecontext!r}")
        self.w3c_tracecontext = w3c_tracecontext
        self.service_name = service_name
        self.sample_rate = _check_sample_rate(sample_rate)
        self.recorder = recorder
        self.endpoint = ZipkinEndpoint(service_name, _local_ipv4())
        self._tag_drops = WarningLimiter(counted="tag(s) dropped")

    @property
    def dropped_tags(self) -> int:
        """How many tags were dropped because their span already had 64 (the most allowed).

        Each drop is also reported in a warning logged at most every 10 seconds.
        """
        return self._tag_drops.total

    def drop_tag(self, span_name: str, key: str) -> None:
        """Count a tag refused by a full span and maybe log a warning (rate-limited)."""
        self._tag_drops.warn(
            logger, "Span %r already has %d tags; tag %r dropped", span_name, MAX_TAGS_PER_SPAN, key
        )

    def __repr__(self) -> str:
        return (
            f"<TracingClient service_name={self.service_name!r} "
            f"sample_rate={self.sample_rate} recorder={self.recorder!r}>"
        )


def make_client(
    service_name: str,
    tracing_endpoint: config.EndpointConfiguration | str | None = None,
    tracing_queue_name: str | None = None,
    max_span_queue_size: int = 50000,
    num_span_workers: int = 5,
    span_batch_interval: float = 0.5,
    num_conns: int = 100,
    sample_rate: float = 0.1,
    log_if_unconfigured: bool = True,
    *,
    w3c_tracecontext: bool = False,
) -> TracingClient:
    """Create and return a tracing client, choosing the recorder from the arguments.

    * ``tracing_queue_name`` given: a :class:`SidecarRecorder` on the POSIX queue
      ``/traces-<tracing_queue_name>``, read by the trace publisher sidecar (the
      recommended setup);
    * else ``tracing_endpoint`` given: a :class:`RemoteRecorder` posting to that collector
      from this process (the ``max_span_queue_size``, ``num_span_workers``,
      ``span_batch_interval`` and ``num_conns`` arguments configure it);
    * else a :class:`LoggingRecorder` if ``log_if_unconfigured``, or a :class:`NullRecorder`.

    Args:
        service_name: This service's name in traces.
        tracing_endpoint: The ``host:port`` of a Zipkin-compatible collector.
        tracing_queue_name: The name of the trace publisher sidecar's queue.
        max_span_queue_size: How many spans may wait for the remote recorder's workers.
        num_span_workers: How many threads post spans to the collector.
        span_batch_interval: How long a worker waits for a batch to fill, in seconds.
        num_conns: The size of the remote recorder's connection pool.
        sample_rate: The fraction of requests to record when the upstream did not decide.
        log_if_unconfigured: Log spans at debug level when neither destination is given,
            rather than discard them.
        w3c_tracecontext: Have the integrations accept the W3C ``traceparent`` header too
            (see :class:`TracingClient`).

    Raises:
        ValueError: if an argument is out of range.
        baseplate.message_queue.MessageQueueError: if the sidecar's queue cannot be opened.

    .. versionadded:: 0.1.0
    """
    recorder: Recorder
    if tracing_queue_name:
        recorder = SidecarRecorder(tracing_queue_name)
    elif tracing_endpoint:
        recorder = RemoteRecorder(
            tracing_endpoint,
            num_workers=num_span_workers,
            max_queue_size=max_span_queue_size,
            batch_interval=span_batch_interval,
            num_conns=num_conns,
        )
    elif log_if_unconfigured:
        recorder = LoggingRecorder()
    else:
        recorder = NullRecorder()
    return TracingClient(service_name, sample_rate, recorder, w3c_tracecontext=w3c_tracecontext)


def _sample_rate(text: str) -> float:
    value = config.Fallback(config.Percent, config.Float)(text)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"expected a percentage or a fraction from 0.0 to 1.0, got {text!r}")
    return value


def _collector_endpoint(text: str) -> config.EndpointConfiguration:
    endpoint = config.Endpoint(text)
    if endpoint.family == socket.AF_UNIX:
        raise ValueError(
            f"expected the collector's host:port, not a UNIX socket path, got {text!r}"
        )
    return endpoint


_SPEC: dict[str, Any] = {
    "tracing": {
        "service_name": config.String,
        "endpoint": config.Optional(_collector_endpoint),
        "queue_name": config.Optional(config.String),
        "max_span_queue_size": config.Optional(config.PositiveInteger, default=50000),
        "num_span_workers": config.Optional(config.PositiveInteger, default=5),
        "span_batch_interval": config.Optional(
            config.Positive(config.TimespanOrSeconds), default=datetime.timedelta(seconds=0.5)
        ),
        "num_conns": config.Optional(config.PositiveInteger, default=100),
        "sample_rate": config.Optional(_sample_rate, default=0.1),
        "w3c_tracecontext": config.Optional(config.Boolean, default=False),
    }
}


def tracing_client_from_config(
    raw_config: config.RawConfig, log_if_unconfigured: bool = True
) -> TracingClient:
    """Configure and return a tracing client.

    The options read, all under ``tracing.``:

    ``tracing.service_name``
        The name of this service in traces (required).
    ``tracing.queue_name`` (optional)
        The name of the POSIX queue the trace publisher sidecar reads (the sidecar's
        ``--queue-name``). Spans go through ``/traces-<queue_name>``.
    ``tracing.endpoint`` (optional)
        Deprecated in favour of the sidecar: the ``host:port`` of a Zipkin-compatible
        collector to post spans to directly from this process. Ignored if ``queue_name`` is
        set.
    ``tracing.max_span_queue_size`` (optional)
        How many spans may wait to be posted to ``endpoint`` (default 50000).
    ``tracing.num_span_workers`` (optional)
        How many threads post spans to ``endpoint`` (default 5).
    ``tracing.span_batch_interval`` (optional)
        How long a worker waits to fill a batch: a span of time (``500 milliseconds``) or a
        number of seconds (default 0.5).
    ``tracing.num_conns`` (optional)
        The size of the connection pool to ``endpoint`` (default 100).
    ``tracing.sample_rate`` (optional)
        The share of requests to record when the upstream did not decide, as a percentage
        (``37%``) or a fraction (``0.37``); default 10%.
    ``tracing.w3c_tracecontext`` (optional)
        ``true`` to accept the W3C ``traceparent`` header from callers that send none of
        Baseplate's trace headers, in the Thrift and Pyramid integrations (default
        ``false``). Baseplate's own headers are always read and sent.

    Example configuration:

    .. code-block:: ini

        tracing.service_name = my_service
        tracing.queue_name = main
        tracing.sample_rate = 5%

    Args:
        raw_config: The application configuration, e.g. the ``[app:main]`` section.
        log_if_unconfigured: When neither ``queue_name`` nor ``endpoint`` is set, log spans
            at debug level (true) or discard them silently (false).

    Returns:
        A configured client.

    Raises:
        baseplate.config.ConfigurationError: naming the key whose value is missing or not
            acceptable.
        baseplate.message_queue.MessageQueueError: if the sidecar's queue cannot be opened.

    .. versionadded:: 0.1.0
    """
    cfg = config.parse_config(raw_config, _SPEC).tracing
    return make_client(
        cfg.service_name,
        tracing_endpoint=cfg.endpoint,
        tracing_queue_name=cfg.queue_name,
        max_span_queue_size=cfg.max_span_queue_size,
        num_span_workers=cfg.num_span_workers,
        span_batch_interval=cfg.span_batch_interval.total_seconds(),
        num_conns=cfg.num_conns,
        sample_rate=cfg.sample_rate,
        log_if_unconfigured=log_if_unconfigured,
        w3c_tracecontext=cfg.w3c_tracecontext,
    )


def _configure_observer(baseplate: Baseplate, app_config: config.RawConfig, _: str) -> None:
    baseplate.configure_tracing(tracing_client_from_config(app_config))


#: What the ``baseplate.observers`` entry point ``tracing`` names.
observer_plugin = ObserverPlugin(("tracing.service_name",), _configure_observer)
