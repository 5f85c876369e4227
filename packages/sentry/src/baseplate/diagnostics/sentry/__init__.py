"""Error reporting to Sentry, built on sentry-sdk.

Unexpected exceptions in requests are reported with the request's trace id, its span tags
and its span log entries (as breadcrumbs). The application can send its own reports during a
request through ``context.sentry``, and greenlets that crash outside requests are reported
too.

.. code-block:: ini

    [app:main]
    sentry.dsn = https://0123abcd@sentry.example.com/42
    sentry.environment = staging
    sentry.ignore_exceptions = myservice.errors.NotFound, requests.exceptions.*
    sentry.sample_rate = 50%

::

    from baseplate.core import Baseplate
    from baseplate.diagnostics.sentry import error_reporter_from_config

    baseplate = Baseplate()
    baseplate.configure_error_reporting(error_reporter_from_config(app_config, __name__))

    def do_something(context):
        if odd():
            context.sentry.capture_message("odd but harmless", level="warning")

Configuration
-------------

:func:`error_reporter_from_config` maps the ``sentry.*`` keys of the original (raven-based)
framework onto sentry-sdk's options:

+------------------------------+--------------------+----------------------------------------------+
| key                          | sentry-sdk option  | notes                                        |
+==============================+====================+==============================================+
| ``sentry.dsn``               | ``dsn``            | Blank: a client with no transport, which     |
|                              |                    | discards every event. Absent: the            |
|                              |                    | ``SENTRY_DSN`` environment variable, else    |
|                              |                    | discard.                                     |
+------------------------------+--------------------+----------------------------------------------+
| ``sentry.site``              | the ``site`` tag   | raven sent it as a tag, apart from the       |
|                              | (via               | server name; ``server_name`` stays           |
|                              | ``before_send``)   | sentry-sdk's default, the host name, which   |
|                              |                    | tells instances apart.                       |
+------------------------------+--------------------+----------------------------------------------+
| ``sentry.environment``       | ``environment``    | Absent: sentry-sdk's default,                |
|                              |                    | ``SENTRY_ENVIRONMENT`` or ``production``.    |
+------------------------------+--------------------+----------------------------------------------+
| ``sentry.include_paths``     | ``in_app_include`` | Module prefixes whose frames are the         |
|                              |                    | application's; the top-level package of      |
|                              |                    | ``module_name`` is always added.             |
+------------------------------+--------------------+----------------------------------------------+
| ``sentry.exclude_paths``     | ``in_app_exclude`` | Module prefixes whose frames are not         |
|                              |                    | (include wins where both match).             |
+------------------------------+--------------------+----------------------------------------------+
| ``sentry.ignore_exceptions`` | a ``before_send``  | Comma-separated globs (``*``, ``?``,         |
|                              | filter             | ``[...]``) matched against                   |
|                              |                    | ``module.ClassName`` and the bare class name |
|                              |                    | of the exception and of each base class      |
|                              |                    | (``object`` excepted). sentry-sdk's own      |
|                              |                    | ``ignore_errors`` has no globs.              |
+------------------------------+--------------------+----------------------------------------------+
| ``sentry.sample_rate``       | ``sample_rate``    | ``"37%"`` or ``0.37``; default 100%.         |
+------------------------------+--------------------+----------------------------------------------+
| ``sentry.processors``        | the                | Dotted paths (``pkg.mod.func`` or            |
|                              | ``before_send``    | ``pkg.mod:func``) to functions ``(event,     |
|                              | chain              | hint) -> event | None``, run in order after  |
|                              |                    | the filter.                                  |
+------------------------------+--------------------+----------------------------------------------+

The release is ``SENTRY_RELEASE`` if set, else the commit checked out in the git work tree
holding ``module_name`` (read from the ``.git`` files), else sentry-sdk's own guess.

raven's processor *classes* (``raven.processors.SanitizePasswordsProcessor`` and friends) do
not exist in sentry-sdk and are refused with a :exc:`~baseplate.config.ConfigurationError`.
Password scrubbing needs no processor any more: sentry-sdk's built-in event scrubber removes
values under keys like ``password``, ``secret`` or ``api_key`` from every event. A processor
that raises is logged and its event dropped (a failing scrubber must not leak data); see
:class:`EventFilter`.

Design
------

sentry-sdk 2.x keeps its client and scopes in process-wide and context-local state
(``sentry_sdk.init``). This package does not use that state:

* :func:`error_reporter_from_config` returns a plain :class:`sentry_sdk.Client` that is not
  installed globally, with no sentry-sdk integrations (they patch libraries process-wide and
  report through the global client). Nothing happens at import time, two Baseplate objects
  can report to two projects, and tests need no global reset. An application that wants
  sentry-sdk's module-level API too can call ``sentry_sdk.init()`` itself and pass
  ``sentry_sdk.get_client()`` to ``configure_error_reporting``.
* Each request's state (tags, breadcrumbs, the trace id) lives on its
  :class:`RequestReporter`, held by the server span and the context object, and every event
  is sent with ``client.capture_event(event, hint, scope=...)``. Nothing depends on
  context-local variables following the request, so reports are right even from a greenlet
  the request spawned, and concurrent requests in one thread never mix.
* Sending is sentry-sdk's: the request path only builds the event and queues it (a bounded
  queue; a full queue drops the event); a background worker thread (a greenlet under
  gevent's patching) does the HTTP. A slow or unreachable Sentry never delays a request.
  Call ``client.flush()`` or ``client.close()`` at shutdown to send what is still queued.
* Greenlet crashes outside requests are caught by a hook on gevent's hub
  (:func:`install_gevent_hook`), the one process-wide change this package makes, and only
  when gevent is in use.
"""

from __future__ import annotations

from types import FunctionType
from typing import TypeAlias

from . import _from_config
from ._from_config import EventFilter, error_reporter_from_config
from ._gevent import install_gevent_hook, uninstall_gevent_hook
from ._observer import RequestReporter, SentryBaseplateObserver

#: The type of the functions that ``sentry.processors`` names. Each receives the event about
#: to be sent (a JSON-like dict) and sentry-sdk's hint (``hint["exc_info"]`` for exceptions)
#: and returns the event to send, changed or not, or ``None`` to drop it.
Processor: TypeAlias = _from_config.Processor

__all__ = [
    "EventFilter",
    "Processor",
    "RequestReporter",
    "SentryBaseplateObserver",
    "error_reporter_from_config",
    "install_gevent_hook",
    "uninstall_gevent_hook",
]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
