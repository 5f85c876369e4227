"""Distributed tracing: record requests and the calls they make as Zipkin spans.

:class:`TraceBaseplateObserver` decides which requests to sample and turns each sampled
request's spans -- the server span, the calls it makes to other services, and local
spans -- into Zipkin v1 JSON objects. A *recorder* takes them from there: usually
:class:`SidecarRecorder`, which puts them on a POSIX queue for the trace publisher sidecar
(:mod:`baseplate.diagnostics.tracing.publisher`) to post to the collector.

Example::

    from baseplate.core import Baseplate
    from baseplate.diagnostics.tracing import tracing_client_from_config

    baseplate = Baseplate()
    baseplate.configure_tracing(tracing_client_from_config(app_config))

with, in the application's configuration:

.. code-block:: ini

    tracing.service_name = my_service
    tracing.queue_name = main
    tracing.sample_rate = 10%

Nothing here ever blocks or fails a request: recorders drop spans they cannot deliver and
say so in rate-limited warnings.
"""

from __future__ import annotations

from types import FunctionType

from ._client import TracingClient, make_client, tracing_client_from_config
from ._observer import (
    TraceBaseplateObserver,
    TraceLocalSpanObserver,
    TraceServerSpanObserver,
    TraceSpanObserver,
)
from ._recorders import (
    MAX_QUEUE_SIZE,
    MAX_SPAN_SIZE,
    InMemoryRecorder,
    LoggingRecorder,
    NullRecorder,
    Recorder,
    SidecarRecorder,
)
from ._remote import RemoteRecorder
from ._zipkin import ANNOTATIONS, ZipkinEndpoint, ZipkinSpan

__all__ = [
    "ANNOTATIONS",
    "MAX_QUEUE_SIZE",
    "MAX_SPAN_SIZE",
    "InMemoryRecorder",
    "LoggingRecorder",
    "NullRecorder",
    "Recorder",
    "RemoteRecorder",
    "SidecarRecorder",
    "TraceBaseplateObserver",
    "TraceLocalSpanObserver",
    "TraceServerSpanObserver",
    "TraceSpanObserver",
    "TracingClient",
    "ZipkinEndpoint",
    "ZipkinSpan",
    "make_client",
    "tracing_client_from_config",
]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
