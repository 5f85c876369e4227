"""Which exceptions were reported recently, so one exception becomes one Sentry event.

An application may report an exception itself (``context.sentry.capture_exception()``) and
then let it escape the request, where the observer would report it again. An exception that
escapes a request is reported by the request's observer. Under gevent's
WSGI server it then reaches the hub's error handler too (``gevent.pywsgi`` logs application
errors there), where the crashed-greenlet hook would report it a second time. Both paths
consult this record. Exceptions cannot be weakly referenced, so the record keeps the last few
strongly; it is small and bounded, and an exception reaches the hub right after its request
reported it.
"""

from __future__ import annotations

import threading
from collections import deque

_RECENT = 64

_lock = threading.Lock()
_recent: deque[BaseException] = deque(maxlen=_RECENT)


def note_reported(error: BaseException) -> None:
    """Record that ``error`` has been reported."""
    with _lock:
        _recent.append(error)


def was_reported(error: BaseException) -> bool:
    """Whether ``error`` itself (not an equal one) was reported recently."""
    with _lock:
        return any(seen is error for seen in _recent)


def forget_all() -> None:
    """Empty the record (for tests)."""
    with _lock:
        _recent.clear()
