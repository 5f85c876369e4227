"""The metrics observer: per-request timings and outcomes, sent to statsd.

Install it with :meth:`Baseplate.configure_metrics
<baseplate.core.Baseplate.configure_metrics>`::

    from baseplate.core import Baseplate
    from baseplate.metrics import metrics_client_from_config

    baseplate = Baseplate()
    baseplate.configure_metrics(metrics_client_from_config(app_config))

Each request then has a :class:`~baseplate.metrics.Batch` as ``context.metrics``; the
observer adds the request's timers and counters to it and sends it when the request ends.
"""

from __future__ import annotations

from types import FunctionType

from ._observer import MetricsBaseplateObserver

__all__ = ["MetricsBaseplateObserver"]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
