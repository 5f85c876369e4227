"""Baseplate's instrumentation framework.

Every request a service handles becomes a :class:`ServerSpan`; calls the request makes to
other services, and local operations worth timing, become child :class:`Span` objects.
Observers registered on the :class:`Baseplate` object see every span start, finish, and
everything in between, and turn that into metrics, traces, logs and error reports.
Context factories put instrumented clients on each request's context object.

Example::

    from baseplate.core import Baseplate, RequestContext

    baseplate = Baseplate()
    baseplate.configure_logging()

    context = RequestContext()
    with baseplate.make_server_span(context, "do_something") as span:
        with span.make_child("compute", local=True, component_name="math") as child:
            ...

The framework integrations do the ``make_server_span`` part for you.

The edge request context (``EdgeRequestContextFactory``, ``User``, ...) lives in the
baseplate-edgecontext distribution; its names can also be imported from here when it is
installed.
"""

from __future__ import annotations

from types import FunctionType
from typing import Any

from ._baseplate import Baseplate
from ._context import ContextFactory, RequestContext
from ._errors import (
    BaseplateError,
    MissingDistributionError,
    ParentSpanAlreadyFinishedError,
    ReusedContextObjectError,
)
from ._metrics import (
    MetricsBatch,
    MetricsClient,
    MetricsCounter,
    MetricsGauge,
    MetricsHistogram,
    MetricsInstruments,
    MetricsTimer,
)
from ._observer import BaseplateObserver, ExcInfo, ServerSpanObserver, SpanObserver
from ._plugins import ObserverPlugin
from ._span import LocalSpan, ServerSpan, Span
from ._trace_info import FLAG_DEBUG, MAX_ID, TraceInfo, format_traceparent
from ._warnings import WarningLimiter

__all__ = [
    "FLAG_DEBUG",
    "MAX_ID",
    "Baseplate",
    "BaseplateError",
    "BaseplateObserver",
    "ContextFactory",
    "ExcInfo",
    "LocalSpan",
    "MetricsBatch",
    "MetricsClient",
    "MetricsCounter",
    "MetricsGauge",
    "MetricsHistogram",
    "MetricsInstruments",
    "MetricsTimer",
    "MissingDistributionError",
    "ObserverPlugin",
    "ParentSpanAlreadyFinishedError",
    "RequestContext",
    "ReusedContextObjectError",
    "ServerSpan",
    "ServerSpanObserver",
    "Span",
    "SpanObserver",
    "TraceInfo",
    "WarningLimiter",
    "format_traceparent",
]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public

# Names the original framework had here, now owned by baseplate-edgecontext.
_EDGECONTEXT_NAMES = frozenset(
    {
        "AuthenticationToken",
        "AuthenticationTokenValidator",
        "Device",
        "EdgeRequestContext",
        "EdgeRequestContextFactory",
        "Geolocation",
        "NoAuthenticationError",
        "OAuthClient",
        "OriginService",
        "Service",
        "Session",
        "User",
    }
)


def __getattr__(name: str) -> Any:
    if name in _EDGECONTEXT_NAMES:
        from ._optional import load_optional

        return load_optional(
            "baseplate.edgecontext", name, "baseplate-edgecontext", f"baseplate.core.{name}"
        )
    raise AttributeError(f"module 'baseplate.core' has no attribute {name!r}")
