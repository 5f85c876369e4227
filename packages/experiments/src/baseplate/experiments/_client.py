"""The experiments client on the request context, its factory, and configuration."""

from __future__ import annotations

import enum
import logging
from typing import Any

from baseplate import config
from baseplate.core import ContextFactory, Span, WarningLimiter
from baseplate.edgecontext import User
from baseplate.events import DebugLogger, EventLogger
from baseplate.file_watcher import FileWatcher, WatchedFileNotAvailableError

from ._catalog import Catalog, load_catalog
from .providers import Experiment

logger = logging.getLogger(__name__)

#: Where the experiment config fetcher writes the experiments file by default.
DEFAULT_PATH = "/var/local/experiments.json"


class EventType(enum.Enum):
    """The kinds of event the experiments client logs (the ``event_type`` field).

    .. versionadded:: 0.1.0
    """

    EXPOSE = "expose"
    """A user was exposed to a treatment (:meth:`Experiments.expose`)."""

    BUCKET = "choose"
    """A variant was chosen for a user (:meth:`Experiments.variant`)."""


class Experiments:
    """The experiments, for one request: variants, and the events they log.

    Made by :class:`ExperimentsContextFactory` for each request. The experiments file is
    re-read when it changes; within a request each experiment is the same object however
    often it is asked for. Nothing here raises into the request: an unreadable file, an
    unknown or malformed experiment, or inputs an experiment cannot compare give no variant
    (with a rate-limited warning), and a failing event logger is logged and skipped.

    Args:
        config_watcher: The watched experiments file (as the factory watches it).
        server_span: The request's span, passed to the event logger.
        context_name: The attribute name on the context.
        event_logger: Where bucketing and exposure events go; a
            :class:`~baseplate.events.DebugLogger` if not given.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        config_watcher: FileWatcher[Any],
        server_span: Span,
        context_name: str,
        event_logger: EventLogger | None = None,
    ) -> None:
        self._config_watcher = config_watcher
        self._span = server_span
        self._context_name = context_name
        self._event_logger = event_logger or DebugLogger()
        self._already_bucketed: set[str] = set()
        self._cache: dict[str, Experiment | None] = {}

    def _catalog(self) -> Catalog | None:
        try:
            catalog: Catalog = self._config_watcher.get_data()
        except WatchedFileNotAvailableError as exc:
            _UNAVAILABLE.warn(logger, "experiments file unavailable, so no variants: %s", exc)
            return None
        return catalog

    def _experiment(self, name: str) -> Experiment | None:
        try:
            return self._cache[name]
        except KeyError:
            pass
        catalog = self._catalog()
        experiment = catalog.get(name) if catalog is not None else None
        if experiment is None and catalog is not None:
            _UNKNOWN.warn(
                logger, "experiment %r is not in the experiments file or is malformed", name
            )
        self._cache[name] = experiment
        return experiment

    def get_all_experiment_names(self) -> list[str]:
        """Return the names of every valid experiment in the experiments file.

        Returns:
            The names of the experiments that are not malformed; empty if the file cannot
            be read.
        """
        catalog = self._catalog()
        return catalog.names() if catalog is not None else []

    def is_valid_experiment(self, name: str) -> bool:
        """Return whether ``name`` is an experiment of the file that is not malformed.

        Args:
            name: The experiment's name.
        """
        return self._experiment(name) is not None

    def variant(
        self,
        name: str,
        user: User | None = None,
        bucketing_event_override: bool | None = None,
        **kwargs: Any,
    ) -> str | None:
        """Return the variant of experiment ``name`` for these inputs, or ``None``.

        When a variant is chosen, a bucketing event (:attr:`EventType.BUCKET`) is logged,
        unless ``bucketing_event_override`` is false, the experiment logs no bucketing events
        (feature flags, forced variants, ``log_bucketing: false``), the inputs lack the
        bucketing value, or this request already logged one for the same experiment and
        bucketing value. Ask for a variant when the user is about to see it; if you must ask
        earlier, pass ``bucketing_event_override=False``.

        The event logger's :meth:`~baseplate.events.EventLogger.log` gets the fields
        ``experiment`` (the provider), ``variant``, ``user_id``, ``logged_in``,
        ``cookie_created_timestamp``, ``app_name`` (each from the inputs, or ``None``),
        ``event_type``, ``inputs`` (every input) and ``span`` (the request's span).

        Args:
            name: The experiment's name.
            user: The request's user (``context.request_context.user``): its
                :meth:`~baseplate.edgecontext.User.event_fields` (``user_id``, ``logged_in``,
                ``cookie_created_timestamp``) join the inputs, overriding ``kwargs``.
            bucketing_event_override: False logs no bucketing event for this call; True and
                None (the default) change nothing.
            kwargs: The inputs for bucketing, targeting and overrides; they are also given
                to the event logger.

        Returns:
            The variant's name, or ``None`` when the experiment gives none (or is unknown,
            malformed, or unreadable).
        """
        experiment = self._experiment(name)
        if experiment is None:
            return None
        inputs = dict(kwargs)
        if user is not None:
            inputs.update(user.event_fields())
        try:
            variant = experiment.variant(**inputs)
        except (TypeError, ValueError) as exc:  # inputs of a type the configuration cannot use
            _BAD_INPUTS.warn(logger, "experiment %r cannot use these inputs (%s)", name, exc)
            return None
        if variant is None or bucketing_event_override is False:
            return variant
        bucketing_id = experiment.get_unique_id(**inputs)
        if (
            bucketing_id
            and bucketing_id not in self._already_bucketed
            and experiment.should_log_bucketing()
            and self._log(experiment, variant, EventType.BUCKET, inputs)
        ):
            self._already_bucketed.add(bucketing_id)
        return variant

    def expose(
        self, experiment_name: str, variant_name: str, user: User | None = None, **kwargs: Any
    ) -> None:
        """Log an exposure event: the user was shown the treatment of ``variant_name``.

        The event logger gets the same fields as for a bucketing event, with
        ``event_type`` :attr:`EventType.EXPOSE`. Nothing is logged for an unknown or
        malformed experiment.

        Args:
            experiment_name: The experiment's name.
            variant_name: The variant the user was exposed to.
            user: The request's user; without one, pass ``user_id`` and ``logged_in`` in
                ``kwargs``.
            kwargs: More fields for the event logger.
        """
        experiment = self._experiment(experiment_name)
        if experiment is None:
            return
        inputs = dict(kwargs)
        if user is not None:
            inputs.update(user.event_fields())
        self._log(experiment, variant_name, EventType.EXPOSE, inputs)

    def _log(
        self, experiment: Experiment, variant: str, event_type: EventType, inputs: dict[str, Any]
    ) -> bool:
        try:
            self._event_logger.log(
                experiment=experiment,
                variant=variant,
                user_id=inputs.get("user_id"),
                logged_in=inputs.get("logged_in"),
                cookie_created_timestamp=inputs.get("cookie_created_timestamp"),
                app_name=inputs.get("app_name"),
                event_type=event_type,
                inputs=inputs,
                span=self._span,
            )
        except Exception as exc:
            _LOG_FAILURES.warn(
                logger, "the event logger failed to log a %s event: %r", event_type.value, exc
            )
            return False
        return True


# Trouble that can repeat on every request is warned about at most every ten seconds.
_UNAVAILABLE = WarningLimiter(counted="variant call(s) without the file")
_UNKNOWN = WarningLimiter(counted="unknown or malformed experiment(s) asked for")
_BAD_INPUTS = WarningLimiter(counted="variant call(s) with unusable inputs")
_LOG_FAILURES = WarningLimiter(counted="event(s) not logged")


class ExperimentsContextFactory(ContextFactory):
    """Puts an :class:`Experiments` on each request's context.

    The experiments file is a JSON object mapping each experiment's name to its
    configuration (see :func:`~baseplate.experiments.providers.parse_experiment`), written
    by the experiment config fetcher. It is watched with a
    :class:`~baseplate.file_watcher.FileWatcher`: each version is parsed once, when first
    needed after it changed, and a version that is not a JSON object keeps the last good
    one.

    Args:
        path: The experiments file.
        event_logger: Where bucketing and exposure events go; a
            :class:`~baseplate.events.DebugLogger` if not given.
        timeout: If given, wait up to this many seconds for the file to be readable when
            the factory is made; by default do not wait.

    Raises:
        baseplate.file_watcher.WatchedFileNotAvailableError: with ``timeout``, if the file
            could not be read in time.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self, path: str, event_logger: EventLogger | None = None, timeout: float | None = None
    ) -> None:
        self._filewatcher = FileWatcher(path, parser=load_catalog, timeout=timeout)
        self._event_logger = event_logger

    def make_object_for_context(self, name: str, span: Span) -> Experiments:
        """Return the request's :class:`Experiments`."""
        return Experiments(self._filewatcher, span, name, self._event_logger)


def experiments_client_from_config(
    app_config: config.RawConfig, event_logger: EventLogger | None, prefix: str = "experiments."
) -> ExperimentsContextFactory:
    """Make an :class:`ExperimentsContextFactory` from the application's configuration.

    The keys, under ``prefix``:

    ``path`` (optional)
        The experiments file; default ``/var/local/experiments.json``.
    ``timeout`` (optional)
        How long to wait for the file to be readable, as a span of time (``30 seconds``);
        by default do not wait.

    Args:
        app_config: The application's raw configuration.
        event_logger: Where bucketing and exposure events go (``None``: a
            :class:`~baseplate.events.DebugLogger`).
        prefix: The keys' prefix.

    Raises:
        baseplate.config.ConfigurationError: naming the full key whose value is bad.
        baseplate.file_watcher.WatchedFileNotAvailableError: with a ``timeout``, if the
            file could not be read in time.

    .. versionadded:: 0.1.0
    """
    options: Any = config.parse_config(app_config, _SPEC, prefix=prefix)
    timeout = options.timeout.total_seconds() if options.timeout is not None else None
    return ExperimentsContextFactory(options.path, event_logger, timeout=timeout)


_SPEC = {
    "path": config.Optional(config.String, default=DEFAULT_PATH),
    "timeout": config.Optional(config.Timespan),
}
