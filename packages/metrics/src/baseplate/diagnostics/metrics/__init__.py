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

from ._observer import MetricsBaseplateObserver

__all__ = ["MetricsBaseplateObserver"]

MetricsBaseplateObserver.__module__ = __name__
