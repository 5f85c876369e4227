"""Request context for the standard logging system.

:class:`LoggingBaseplateObserver` (installed by
:meth:`Baseplate.configure_logging <baseplate.core.Baseplate.configure_logging>`) names the
thread handling each request after the request's trace id. Under ``baseplate-serve`` each
request runs in its own greenlet, which gevent presents as its own thread, so a log format
with ``%(threadName)s`` -- as ``baseplate-serve``'s default is -- ties every log line to its
trace::

    1234:7391204113954011204:my_service.views:INFO:fetched 12 items
"""

from __future__ import annotations

import threading
from typing import Any

from baseplate.core import BaseplateObserver, ServerSpan

__all__ = ["LoggingBaseplateObserver"]


class LoggingBaseplateObserver(BaseplateObserver):
    """Logging observer: puts the request's trace id in the current thread's name."""

    def on_server_span_created(self, context: Any, server_span: ServerSpan) -> None:
        """Rename the current thread (greenlet) to the request's trace id."""
        threading.current_thread().name = str(server_span.trace_id)
