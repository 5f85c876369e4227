"""Reporting greenlets that crash outside any request: the one process-wide hook.

gevent reports an exception that kills a greenlet by calling its hub's ``print_exception``
(which writes the traceback to stderr). :func:`install_gevent_hook` puts a reporter in front
of that method on the current thread's hub; the traceback is still printed afterwards. This
module holds the only process-wide state of the package, and :func:`uninstall_gevent_hook`
removes it (for tests).

gevent is not a dependency of baseplate-sentry: it is imported only here, only when asked.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
from types import TracebackType
from typing import Any

import sentry_sdk
from sentry_sdk.client import BaseClient
from sentry_sdk.utils import event_from_exception, safe_repr

from ._reported import note_reported, was_reported

logger = logging.getLogger("baseplate.diagnostics.sentry")

_lock = threading.Lock()


class _HubErrorReporter:
    """Stands in for a hub's ``print_exception``: report to Sentry, then print as before."""

    def __init__(self, client: BaseClient, original: Any) -> None:
        self.client = client
        self.original = original

    def __call__(
        self,
        context: object,
        exc_type: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # gevent's WSGI server hands the hub the exceptions that escaped a request, which the
        # request's observer has reported already.
        if exc_type is not None and value is not None and not was_reported(value):
            try:
                event, hint = event_from_exception(
                    (exc_type, value, tb),
                    client_options=self.client.options,
                    mechanism={"type": "gevent", "handled": False},
                )
                event["extra"] = {"gevent.context": safe_repr(context)}
                self.client.capture_event(event, hint, scope=sentry_sdk.Scope())
                note_reported(value)
            except Exception:
                # Never break the hub: gevent requires this method not to raise.
                logger.exception("Could not report a crashed greenlet to Sentry")
        self.original(context, exc_type, value, tb)


def _gevent_module() -> Any:
    if "gevent" in sys.modules:
        return sys.modules["gevent"]
    try:
        return importlib.import_module("gevent")
    except ImportError:
        return None


def install_gevent_hook(client: BaseClient) -> bool:
    """Report exceptions that kill greenlets of this thread's gevent hub to ``client``.

    Such crashes happen outside any request (a request's exceptions are reported by the
    observer), for instance in a background greenlet the application spawned. The hub still
    prints the traceback as usual after the report. Installing again only switches the
    client; the hook is never stacked.

    :class:`SentryBaseplateObserver` calls this when it is made in a process that has
    already imported gevent (``baseplate-serve`` imports and patches gevent before loading
    the application). Call it yourself if your process imports gevent later.

    Args:
        client: Where to send the reports.

    Returns:
        ``True`` if the hook is installed, ``False`` if gevent is not installed.

    .. versionadded:: 0.1.0
    """
    gevent = _gevent_module()
    if gevent is None:
        return False
    hub = gevent.get_hub()
    with _lock:
        current = hub.print_exception
        if isinstance(current, _HubErrorReporter):
            current.client = client
        else:
            hub.print_exception = _HubErrorReporter(client, current)
    return True


def uninstall_gevent_hook() -> None:
    """Remove the hook :func:`install_gevent_hook` put on this thread's hub, if any.

    .. versionadded:: 0.1.0
    """
    gevent = sys.modules.get("gevent")
    if gevent is None:
        return
    hub = gevent.get_hub()
    with _lock:
        current = hub.print_exception
        if isinstance(current, _HubErrorReporter):
            hub.print_exception = current.original
