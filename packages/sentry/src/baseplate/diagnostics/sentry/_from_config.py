"""Building a sentry-sdk client from the ``sentry.*`` settings of an application."""

from __future__ import annotations

import atexit
import fnmatch
import logging
import os
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

import sentry_sdk
from sentry_sdk.types import Event, Hint
from sentry_sdk.utils import BadDsn, Dsn

from baseplate.config import (
    ConfigurationError,
    Float,
    ImportPath,
    Optional,
    Percent,
    RawConfig,
    String,
    TupleOf,
    parse_config,
)
from baseplate.core import Baseplate, ObserverPlugin

from ._release import module_revision

logger = logging.getLogger("baseplate.diagnostics.sentry")

# A function named in ``sentry.processors`` (documented where it is exported).
Processor: TypeAlias = Callable[[Event, Hint], "Event | None"]


def _parse_dsn(text: str) -> str:
    try:
        Dsn(text)
    except BadDsn as exc:
        # The DSN is not echoed: it carries the project's key.
        raise ValueError(f"not a valid Sentry DSN ({exc})") from None
    return text


def _parse_sample_rate(text: str) -> float:
    if text.endswith("%"):
        return Percent(text)
    rate = Float(text)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(
            f"expected a percentage like '37%' or a fraction between 0 and 1, got {text!r}"
        )
    return rate


def _parse_exception_pattern(text: str) -> str:
    if any(character.isspace() for character in text):
        raise ValueError(
            f"expected a fully qualified exception class name, possibly with * globs, got {text!r}"
        )
    return text


def _parse_processor(text: str) -> tuple[str, Processor]:
    processor = ImportPath(text)
    if isinstance(processor, type):
        raise ValueError(
            f"{text!r} is a class; sentry-sdk has no processor classes (raven's are gone): "
            "name a function (event, hint) -> event or None"
        )
    if not callable(processor):
        raise ValueError(
            f"{text!r} is not callable: name a function (event, hint) -> event or None"
        )
    return text, processor


def _is_ignored(exc_type: type[BaseException], patterns: Sequence[str]) -> bool:
    for cls in exc_type.__mro__:
        if cls is object:
            continue
        full_name = f"{cls.__module__}.{cls.__qualname__}"
        for pattern in patterns:
            if fnmatch.fnmatchcase(full_name, pattern) or fnmatch.fnmatchcase(
                cls.__qualname__, pattern
            ):
                return True
    return False


class EventFilter:
    """The ``before_send`` callback that :func:`error_reporter_from_config` installs.

    In order: it drops exception events whose class matches ``ignore_exceptions``; adds the
    ``site`` tag; then hands the event to each processor in turn. A processor that returns
    ``None`` drops the event. A processor that raises is logged, naming it, and the event is
    dropped: processors often remove private data, and sending an event that one of them
    failed to clean would leak it.

    Args:
        ignore_exceptions: Glob patterns (:mod:`fnmatch`, case-sensitive) matched against the
            fully qualified name (``module.QualName``) and the bare name of the exception's
            class and of each of its base classes.
        site: The value of the ``site`` tag, or ``None`` for no tag.
        processors: ``(name, function)`` pairs, run in order.
    """

    def __init__(
        self,
        ignore_exceptions: Sequence[str] = (),
        site: str | None = None,
        processors: Sequence[tuple[str, Processor]] = (),
    ) -> None:
        self.ignore_exceptions = tuple(ignore_exceptions)
        self.site = site
        self.processors = tuple(processors)

    def __repr__(self) -> str:
        names = [name for name, _ in self.processors]
        return (
            f"EventFilter(ignore_exceptions={list(self.ignore_exceptions)!r}, "
            f"site={self.site!r}, processors={names!r})"
        )

    def __call__(self, event: Event, hint: Hint) -> Event | None:
        if self.ignore_exceptions:
            exc_info = hint.get("exc_info")
            if exc_info and _is_ignored(exc_info[0], self.ignore_exceptions):
                return None
        if self.site is not None:
            event.setdefault("tags", {}).setdefault("site", self.site)
        for name, processor in self.processors:
            try:
                processed = processor(event, hint)
            except Exception:
                logger.exception("Sentry processor %s raised; the event is dropped", name)
                return None
            if processed is None:
                return None
            event = processed
        return event


def error_reporter_from_config(
    raw_config: RawConfig, module_name: str, *, environ: Mapping[str, str] = os.environ
) -> sentry_sdk.Client:
    """Configure and return an error reporter: a :class:`sentry_sdk.Client`.

    Reads the ``sentry.*`` keys described in the module documentation, validates all of them,
    and builds a client that is *not* installed as sentry-sdk's global client; hand it to
    :meth:`Baseplate.configure_error_reporting
    <baseplate.core.Baseplate.configure_error_reporting>`.

    Example::

        client = error_reporter_from_config(app_config, __name__)
        baseplate.configure_error_reporting(client)

    Args:
        raw_config: The application's configuration.
        module_name: ``__name__`` of the application's root module. Its top-level package
            counts as application code in stack traces, and the git commit checked out where
            it lives (if any) is the release.
        environ: The environment, read for ``SENTRY_DSN`` and ``SENTRY_RELEASE``.

    Returns:
        A configured client. With a blank DSN it has no transport and discards every event.

    Raises:
        ConfigurationError: naming the key (``sentry.<name>``, or ``SENTRY_DSN``) whose value
            is not acceptable, e.g. a processor that cannot be imported.

    .. versionadded:: 0.1.0
    """
    cfg = parse_config(
        raw_config,
        {
            "sentry": {
                "dsn": Optional(_parse_dsn, default=""),
                "site": Optional(String),
                "environment": Optional(String),
                "include_paths": Optional(TupleOf(String), default=[]),
                "exclude_paths": Optional(TupleOf(String), default=[]),
                "ignore_exceptions": Optional(TupleOf(_parse_exception_pattern), default=[]),
                "sample_rate": Optional(_parse_sample_rate, default=1.0),
                "processors": Optional(TupleOf(_parse_processor), default=[]),
            }
        },
    )
    sentry = cfg.sentry

    if "sentry.dsn" in raw_config:
        dsn: str = sentry.dsn
    else:
        dsn = environ.get("SENTRY_DSN", "")
        if dsn:
            try:
                _parse_dsn(dsn)
            except ValueError as exc:
                raise ConfigurationError("SENTRY_DSN", exc) from None

    app_package = module_name.partition(".")[0]
    in_app_include = list(sentry.include_paths)
    if app_package and app_package != "__main__" and app_package not in in_app_include:
        in_app_include.insert(0, app_package)

    release = environ.get("SENTRY_RELEASE") or module_revision(module_name)

    client = sentry_sdk.Client(
        dsn=dsn,
        environment=sentry.environment,
        release=release,
        in_app_include=in_app_include,
        in_app_exclude=list(sentry.exclude_paths),
        sample_rate=sentry.sample_rate,
        before_send=EventFilter(sentry.ignore_exceptions, sentry.site, sentry.processors),
        # No integration: they patch libraries process-wide (http.client, threading,
        # logging, sys.excepthook) and report through the global client, which this one
        # is not. Baseplate's observer reports what a request does instead.
        default_integrations=False,
        auto_enabling_integrations=False,
        integrations=[],
    )
    if not dsn:
        logger.info("sentry.dsn is blank: error reports will be discarded")
    # sentry-sdk flushes only the global client at exit; this one is not global, so events
    # still queued when the process stops (e.g. after baseplate-serve's graceful shutdown)
    # are sent here, within sentry-sdk's own shutdown timeout.
    atexit.register(_flush_at_exit, weakref.ref(client))
    return client


def _flush_at_exit(reference: weakref.ref[Any]) -> None:
    client = reference()
    if client is not None and client.is_active():
        client.flush(timeout=client.options["shutdown_timeout"])


def _configure_observer(baseplate: Baseplate, app_config: RawConfig, module_name: str) -> None:
    baseplate.configure_error_reporting(error_reporter_from_config(app_config, module_name))


#: What the ``baseplate.observers`` entry point ``sentry`` names.
observer_plugin = ObserverPlugin(("sentry.dsn",), _configure_observer, ("SENTRY_DSN",))
