"""The error-reporting observer and the per-request reporter it puts on the context."""

from __future__ import annotations

import linecache
import logging
import sys
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal, TypeAlias

import sentry_sdk
from sentry_sdk.client import BaseClient
from sentry_sdk.types import Event, Hint
from sentry_sdk.utils import event_from_exception, exc_info_from_error, strip_string

from baseplate.core import BaseplateObserver, ExcInfo, ServerSpan, ServerSpanObserver

from ._gevent import install_gevent_hook
from ._reported import note_reported, was_reported

logger = logging.getLogger("baseplate.diagnostics.sentry")

#: The levels of a Sentry event.
Level: TypeAlias = Literal["fatal", "critical", "error", "warning", "info", "debug"]

_DEFAULT_MAX_BREADCRUMBS = 100
_MAX_TAG_LENGTH = 200  # Sentry's limit on tag values
_CONTEXT_LINES = 5  # source lines before and after each frame's line, as sentry-sdk sends


def add_source_context(event: Event, max_length: int | None) -> None:
    """Give every frame of ``event``'s exceptions its source lines, read through linecache.

    sentry-sdk reads each frame's whole source file again for every event (through the
    module's loader, uncached): in a service with a dozen frames per failing request that
    was three quarters of the cost of reporting it. :mod:`linecache` reads a file once per
    process. The fields are sentry-sdk's (``pre_context``, ``context_line``,
    ``post_context``: five lines either side, each cut to ``max_length``). Files are not
    re-read if they change while the process runs; a deploy restarts the process anyway.
    """

    def clip(line: str) -> Any:
        return strip_string(line.strip("\r\n"), max_length=max_length)

    for value in event.get("exception", {}).get("values", ()):
        for frame in (value.get("stacktrace") or {}).get("frames", ()):
            path = frame.get("abs_path")
            lineno = frame.get("lineno")
            lines = linecache.getlines(path) if path and lineno else []
            index = lineno - 1 if lineno else -1
            if not 0 <= index < len(lines):
                frame["pre_context"], frame["context_line"], frame["post_context"] = [], None, []
                continue
            frame["pre_context"] = [
                clip(line) for line in lines[max(0, index - _CONTEXT_LINES) : index]
            ]
            frame["context_line"] = clip(lines[index])
            frame["post_context"] = [
                clip(line) for line in lines[index + 1 : index + 1 + _CONTEXT_LINES]
            ]


class RequestReporter(ServerSpanObserver):
    """Sends error reports on behalf of one request; available as ``context.sentry``.

    Everything it sends carries what the request has gathered so far: the ``trace_id`` tag,
    the server span's tags (``http.*`` ones in the event's ``request`` section, the others as
    tags), its log entries as breadcrumbs, the span name as the transaction and the trace in
    Sentry's ``trace`` context. The state lives on this object, not in sentry-sdk's
    context-local scopes, so it is right whichever greenlet or thread calls it.

    Example::

        def handle(context, user_id):
            try:
                recalculate(user_id)
            except StaleDataError:
                context.sentry.capture_exception()  # reported; the request goes on

    Sending never blocks on the network: sentry-sdk queues the event for a background
    worker. Building the event (stack frames, local variables) happens in the caller.
    Nothing here raises because reporting failed; failures are logged.

    :class:`SentryBaseplateObserver` makes one per request and registers it as the server
    span's observer; applications do not make them.

    Args:
        client: The sentry-sdk client to report to.
        server_span: The request's server span.

    Attributes:
        client: The sentry-sdk client the reports go to.
        trace_id: The request's trace id.

    .. versionadded:: 0.1.0
    """

    __slots__ = (
        "_breadcrumbs",
        "_request",
        "_scope",
        "_span_id",
        "_tags",
        "_transaction",
        "client",
        "trace_id",
    )

    def __init__(self, client: BaseClient, server_span: ServerSpan) -> None:
        self.client = client
        self.trace_id = server_span.trace_id
        self._span_id = server_span.id
        self._transaction = server_span.name
        # Made on first use: most requests never tag, log or report anything.
        self._tags: dict[str, str] | None = None
        self._request: dict[str, Any] | None = None
        self._breadcrumbs: deque[dict[str, Any]] | None = None
        self._scope: sentry_sdk.Scope | None = None

    def __repr__(self) -> str:
        return f"<RequestReporter trace_id={self.trace_id}>"

    @property
    def scope(self) -> sentry_sdk.Scope:
        """The :class:`sentry_sdk.Scope` applied to every event of this request.

        Set a user, contexts, extras or a fingerprint on it. Its own ``capture_*`` and
        ``add_breadcrumb`` methods go through sentry-sdk's global client, not this
        request's: use this object's methods for those.
        """
        if self._scope is None:
            self._scope = sentry_sdk.Scope()
        return self._scope

    def set_tag(self, key: str, value: object) -> None:
        """Tag every event this request sends from now on.

        Args:
            key: The tag's name.
            value: Its value, sent as text (cut to Sentry's 200 characters).
        """
        tags = self._tags
        if tags is None:
            tags = self._tags = {}
        tags[key] = str(value)[:_MAX_TAG_LENGTH]

    def add_breadcrumb(
        self,
        crumb: Mapping[str, Any] | None = None,
        hint: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> None:
        """Record a breadcrumb: something that happened before a possible error.

        The client's ``before_breadcrumb`` option applies, and only its ``max_breadcrumbs``
        most recent breadcrumbs are kept.

        Args:
            crumb: The breadcrumb (``category``, ``message``, ``data``, ``level``, ...).
            hint: Passed to ``before_breadcrumb``.
            **fields: More breadcrumb fields.
        """
        breadcrumb = dict(crumb or ())
        breadcrumb.update(fields)
        if not breadcrumb:
            return
        breadcrumb.setdefault("timestamp", datetime.now(UTC))
        breadcrumb.setdefault("type", "default")
        before_breadcrumb = self.client.options.get("before_breadcrumb")
        if before_breadcrumb is not None:
            try:
                breadcrumb = before_breadcrumb(breadcrumb, dict(hint or ()))
            except Exception:
                logger.exception("Sentry before_breadcrumb raised; the breadcrumb is dropped")
                return
            if breadcrumb is None:
                return
        breadcrumbs = self._breadcrumbs
        if breadcrumbs is None:
            limit = self.client.options.get("max_breadcrumbs", _DEFAULT_MAX_BREADCRUMBS)
            breadcrumbs = self._breadcrumbs = deque(maxlen=limit)
        breadcrumbs.append(breadcrumb)

    def capture_exception(
        self, error: BaseException | ExcInfo | None = None, *, handled: bool = True
    ) -> str | None:
        """Report an exception.

        An exception this request already reported is not reported again, so reporting one
        and then letting it propagate out of the request sends one event.

        Args:
            error: The exception, or an ``exc_info`` triple; by default the exception being
                handled (:func:`sys.exc_info`).
            handled: Whether the application dealt with the exception (Sentry marks
                unhandled ones as crashes).

        Returns:
            The event's id, or ``None`` if nothing was sent (no exception, already reported,
            or dropped by the client's sampling, filters or processors).

        Raises:
            ValueError: if ``error`` is neither an exception nor an ``exc_info`` triple.
        """
        exc_info = sys.exc_info() if error is None else exc_info_from_error(error)
        if exc_info[1] is None:
            return None
        value = exc_info[1]
        if was_reported(value):
            return None
        note_reported(value)
        options = self.client.options
        source_context = options.get("include_source_context", True)
        try:
            event, hint = event_from_exception(
                exc_info,
                # The source lines are added below, from a cache (see add_source_context).
                client_options={**options, "include_source_context": False},
                mechanism={"type": "baseplate", "handled": handled},
            )
            if source_context:
                add_source_context(event, options.get("max_value_length"))
        except Exception:
            logger.exception("Could not build a Sentry event for %r", value)
            return None
        return self.capture_event(event, hint)

    def capture_message(self, message: str, level: Level = "info") -> str | None:
        """Report a message.

        Args:
            message: The text of the event.
            level: ``"fatal"``, ``"error"``, ``"warning"``, ``"info"`` or ``"debug"``.

        Returns:
            The event's id, or ``None`` if nothing was sent.
        """
        return self.capture_event({"message": message, "level": level})

    def capture_event(self, event: Event, hint: Hint | None = None) -> str | None:
        """Send a ready-made event (a dict in Sentry's event format) with the request's data.

        Returns:
            The event's id, or ``None`` if nothing was sent.
        """
        tags = event.setdefault("tags", {})
        if self._tags:
            for key, value in self._tags.items():
                tags.setdefault(key, value)
        tags.setdefault("trace_id", str(self.trace_id))
        if self._request:
            request = event.setdefault("request", {})
            for key, value in self._request.items():
                request.setdefault(key, value)
        if self._breadcrumbs:
            breadcrumbs = event.setdefault("breadcrumbs", {"values": []})
            if isinstance(breadcrumbs, dict):
                earlier = [dict(crumb) for crumb in self._breadcrumbs]
                breadcrumbs["values"] = earlier + list(breadcrumbs.get("values", []))
        event.setdefault("transaction", self._transaction)
        event.setdefault("contexts", {}).setdefault(
            "trace", {"trace_id": f"{self.trace_id:032x}", "span_id": f"{self._span_id:016x}"}
        )
        try:
            return self.client.capture_event(event, hint, scope=self.scope)
        except Exception:
            logger.exception("Could not send an event to Sentry")
            return None

    def on_set_tag(self, key: str, value: Any) -> None:
        """Keep a tag of the server span for this request's reports.

        ``http.*`` tags go to the event's ``request`` section (without the prefix), the
        others are tags of every event the request sends.
        """
        if key.startswith("http."):
            request = self._request
            if request is None:
                request = self._request = {}
            request[key[len("http.") :]] = value
        else:
            self.set_tag(key, value)

    def on_log(self, name: str, payload: Any) -> None:
        """Keep a log entry of the server span as a breadcrumb (category: the entry's name)."""
        crumb: dict[str, Any] = {"category": name, "level": "info"}
        if isinstance(payload, Mapping):
            crumb["data"] = dict(payload)
        elif payload is not None:
            crumb["data"] = {"payload": payload}
        self.add_breadcrumb(crumb)

    def on_finish(self, exc_info: ExcInfo | None) -> None:
        """Report the exception that ended the request, if any, as unhandled."""
        if exc_info is not None:
            self.capture_exception(exc_info, handled=False)


class SentryBaseplateObserver(BaseplateObserver):
    """Error-reporting observer: reports requests' unexpected exceptions to Sentry.

    :meth:`Baseplate.configure_error_reporting
    <baseplate.core.Baseplate.configure_error_reporting>` registers it. For each request it
    puts a :class:`RequestReporter` on the context object as ``context.sentry`` and watches
    the server span: tags and log entries are kept for any report the request sends, and an
    exception that ends the span is reported (as unhandled) with the request's trace id.

    When the process has already imported gevent, making the observer also calls
    :func:`install_gevent_hook`, so greenlets that crash outside requests are reported too.

    Args:
        client: A sentry-sdk client, e.g. from :func:`error_reporter_from_config` (or
            ``sentry_sdk.get_client()`` after your own ``sentry_sdk.init``).
        gevent_hook: Set to ``False`` not to touch gevent's hub.

    Raises:
        TypeError: if ``client`` is not a sentry-sdk client (raven clients are not supported).

    .. versionadded:: 0.1.0
    """

    def __init__(self, client: BaseClient, *, gevent_hook: bool = True) -> None:
        if not isinstance(client, BaseClient):
            raise TypeError(
                "client must be a sentry-sdk client (see error_reporter_from_config); "
                f"got {client!r}"
            )
        self.client = client
        if gevent_hook and "gevent" in sys.modules:
            install_gevent_hook(client)

    def on_server_span_created(self, context: Any, server_span: ServerSpan) -> None:
        """Attach ``context.sentry`` and start watching the request's span."""
        reporter = RequestReporter(self.client, server_span)
        context.sentry = reporter
        server_span.register(reporter)
