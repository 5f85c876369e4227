"""Application metrics via statsd.

A client for the statsd metrics aggregator, which adds up what every process reports and
writes it to a time-series store such as Graphite. Use it for whole-system health monitoring
and insight into usage patterns. The lines sent follow the statsd text protocol: counters
``name:2|c`` (``name:2|c|@0.5`` when sampled), timers ``name:3140|ms``, gauges ``name:4|g``
and histograms ``name:320|h``.

Basic example::

    from baseplate.metrics import metrics_client_from_config

    client = metrics_client_from_config(app_config)
    client.counter("events.connect").increment()
    client.gauge("workers").replace(4)

    with client.timer("something.todo"):
        do_something()
        do_something_else()

To send several metrics at once, batch them::

    with client.batch() as batch:
        batch.counter("froozles").increment()
        batch.counter("blargs").decrement(delta=3)

        with batch.timer("something"):
            do_another_thing()

The batch is sent in as few datagrams as possible when the ``with`` block ends. During a
request, the metrics observer (:meth:`Baseplate.configure_metrics
<baseplate.core.Baseplate.configure_metrics>`) provides a batch as ``context.metrics``.

Unlike the original framework, a batch too large for one datagram is split at line boundaries
rather than dropped, and sending never raises: network problems are logged on the
``baseplate.metrics`` logger.
"""

from __future__ import annotations

from types import FunctionType

from ._buffered import BufferedTransport, PendingSource
from ._client import Batch, Client, make_client
from ._config import metrics_client_from_config
from ._instruments import BatchCounter, Counter, Gauge, Histogram, Timer
from ._transport import DEFAULT_MAX_PACKET_SIZE, DatagramTransport, NullTransport, Transport

__all__ = [
    "DEFAULT_MAX_PACKET_SIZE",
    "Batch",
    "BatchCounter",
    "BufferedTransport",
    "Client",
    "Counter",
    "DatagramTransport",
    "Gauge",
    "Histogram",
    "NullTransport",
    "PendingSource",
    "Timer",
    "Transport",
    "make_client",
    "metrics_client_from_config",
]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
