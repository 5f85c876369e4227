"""The Baseplate object: the root of a service's instrumentation."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from . import _plugins
from ._context import ContextFactory, RequestContext
from ._metrics import MetricsClient
from ._observer import BaseplateObserver
from ._optional import load_optional
from ._span import ServerSpan
from ._trace_info import TraceInfo, new_span_id

logger = logging.getLogger("baseplate.core")

_RESERVED_CONTEXT_NAMES = frozenset({"trace", "bind", "clone_for_span"})


class Baseplate:
    """The core of the Baseplate diagnostics framework.

    One instance per application. It holds the observers that turn requests into metrics,
    traces, logs and error reports, and the context factories that put instrumented clients
    on each request's context object. The framework integrations
    (:mod:`baseplate.integration.thrift`, :mod:`baseplate.integration.pyramid`) call
    :meth:`make_server_span` for every request.

    Configure it before serving; its lists are not meant to change while requests run.

    Example::

        baseplate = Baseplate()
        baseplate.configure_logging()
        baseplate.add_to_context("db", SQLAlchemySessionContextFactory(engine))
    """

    def __init__(self) -> None:
        self.observers: list[BaseplateObserver] = []
        self._context_factories: dict[str, ContextFactory] = {}
        self._metrics_client: MetricsClient | None = None
        #: Whether the integrations (Thrift, Pyramid) also accept the W3C ``traceparent``
        #: header when a request carries none of Baseplate's own trace headers. False unless
        #: set here or by :meth:`configure_tracing` from a client with ``w3c_tracecontext``
        #: (``tracing.w3c_tracecontext = true`` in the configuration). An integration given
        #: its own ``w3c_tracecontext`` argument follows that instead.
        self.w3c_tracecontext = False

    @property
    def context_factories(self) -> Mapping[str, ContextFactory]:
        """The factories registered with :meth:`add_to_context`, by attribute name."""
        return self._context_factories

    @property
    def metrics_client(self) -> MetricsClient | None:
        """The client given to :meth:`configure_metrics`, or ``None``.

        ``baseplate-serve`` sends its process-level metrics through it. Code reading it
        should use only what :class:`~baseplate.core.MetricsClient` promises.
        """
        return self._metrics_client

    def register(self, observer: BaseplateObserver) -> None:
        """Register an observer; observers see each request in registration order.

        Raises:
            TypeError: if ``observer`` has no ``on_server_span_created`` method.
        """
        if not callable(getattr(observer, "on_server_span_created", None)):
            raise TypeError(
                f"observer must implement on_server_span_created (a BaseplateObserver), "
                f"got {observer!r}"
            )
        self.observers.append(observer)

    def configure_logging(self) -> None:
        """Add request context to the logging system.

        Registers :class:`~baseplate.diagnostics.logging.LoggingBaseplateObserver`, which
        names the handling thread (or greenlet) after the request's trace id, so the default
        ``baseplate-serve`` log format carries it.
        """
        from baseplate.diagnostics.logging import LoggingBaseplateObserver

        self.register(LoggingBaseplateObserver())

    def configure_metrics(self, metrics_client: MetricsClient) -> None:
        """Send timing metrics to the given client.

        Registers the metrics observer, which also puts a ``metrics`` batch on each
        request's context, flushed when the request ends, and keeps the client as
        :attr:`metrics_client` for process-level reporters.

        Args:
            metrics_client: A :class:`baseplate.metrics.Client` (the metrics observer
                needs that class; other users of :attr:`metrics_client` need only the
                :class:`~baseplate.core.MetricsClient` protocol).

        Raises:
            MissingDistributionError: if baseplate-metrics is not installed.
        """
        observer_cls = load_optional(
            "baseplate.diagnostics.metrics",
            "MetricsBaseplateObserver",
            "baseplate-metrics",
            "configure_metrics",
        )
        self.register(observer_cls(metrics_client))
        self._metrics_client = metrics_client

    def configure_tracing(self, tracing_client: Any, *args: Any, **kwargs: Any) -> None:
        """Collect and send span information for request tracing.

        A client made with ``w3c_tracecontext`` (``tracing.w3c_tracecontext = true``) also
        turns on :attr:`w3c_tracecontext`.

        Args:
            tracing_client: A :class:`baseplate.diagnostics.tracing.TracingClient`. Extra
                arguments are passed to the tracing observer.

        Raises:
            MissingDistributionError: if baseplate-tracing is not installed.
        """
        observer_cls = load_optional(
            "baseplate.diagnostics.tracing",
            "TraceBaseplateObserver",
            "baseplate-tracing",
            "configure_tracing",
        )
        self.register(observer_cls(tracing_client, *args, **kwargs))
        if getattr(tracing_client, "w3c_tracecontext", False) is True:
            self.w3c_tracecontext = True

    def configure_error_reporting(self, client: Any) -> None:
        """Send reports of unexpected exceptions to the given client.

        The error-reporting observer also puts the client on each request's context as
        ``sentry``.

        Raises:
            MissingDistributionError: if baseplate-sentry is not installed.
        """
        observer_cls = load_optional(
            "baseplate.diagnostics.sentry",
            "SentryBaseplateObserver",
            "baseplate-sentry",
            "configure_error_reporting",
        )
        self.register(observer_cls(client))

    def configure_observers(
        self, app_config: Mapping[str, str], module_name: str | None = None
    ) -> None:
        """Install every observer the application's configuration asks for.

        Logging is always installed, first. The others come from observer plug-ins: every
        installed distribution that registers an :class:`~baseplate.core.ObserverPlugin`
        in the ``baseplate.observers`` entry-point group is asked whether the configuration
        switches it on, and configures its observer if so. This repository's observer
        distributions register these:

        ==========================  ======================================  =================
        when the config has         installs                                distribution
        ==========================  ======================================  =================
        ``metrics.namespace``       :meth:`configure_metrics`               baseplate-metrics
        ``tracing.service_name``    :meth:`configure_tracing`               baseplate-tracing
        ``sentry.dsn``              :meth:`configure_error_reporting`       baseplate-sentry
        ==========================  ======================================  =================

        each from its own distribution's ``*_from_config`` helper, in that order; other
        plug-ins follow, in the order of their entry points' names. So an application
        factory stays short::

            def make_app(app_config):
                baseplate = Baseplate()
                baseplate.configure_observers(app_config, __name__)
                ...

        Error reporting is also installed when the environment has a non-empty
        ``SENTRY_DSN`` (sentry-sdk's convention, which ``error_reporter_from_config`` follows
        when ``sentry.dsn`` is absent).

        Args:
            app_config: The application's raw configuration (the ``[app:main]`` section).
            module_name: The application's root module (``__name__``), used by error
                reporting to tell the application's frames from libraries'.

        Raises:
            MissingDistributionError: if the configuration asks for one of the observers in
                the table above and its distribution is not installed (checked before any
                of them is configured).
            ConfigurationError: (from :mod:`baseplate.config`) if a value is invalid.
            TypeError: if an installed ``baseplate.observers`` entry point does not name an
                :class:`~baseplate.core.ObserverPlugin`.
        """
        self.configure_logging()
        installed = [entry_point.name for entry_point in _plugins.observer_entry_points()]
        _plugins.check_built_ins(installed, app_config)
        plugins = _plugins.load_observer_plugins(app_config)
        for loaded in plugins:
            if loaded.plugin.is_switched_on(app_config):
                loaded.plugin.configure(self, app_config, module_name or "__main__")

    def add_to_context(self, name: str, context_factory: ContextFactory) -> None:
        """Add an attribute to each request's context object.

        The attribute is made on its first read in a request by
        ``context_factory.make_object_for_context(name, span)``.

        Args:
            name: The attribute name. Instrumented clients also use it in span and metric
                names, so make it descriptive.
            context_factory: The factory.

        Raises:
            ValueError: if ``name`` is not an identifier, is private or reserved, or is
                already registered.
            TypeError: if ``context_factory`` has no ``make_object_for_context`` method.
        """
        if not name.isidentifier() or name.startswith("_") or name in _RESERVED_CONTEXT_NAMES:
            raise ValueError(
                f"context attribute name must be a public identifier other than "
                f"{sorted(_RESERVED_CONTEXT_NAMES)}, got {name!r}"
            )
        if name in self._context_factories:
            raise ValueError(f"context attribute {name!r} is already registered")
        if not callable(getattr(context_factory, "make_object_for_context", None)):
            raise TypeError(
                f"context_factory must implement make_object_for_context, got {context_factory!r}"
            )
        self._context_factories[name] = context_factory

    def make_server_span(
        self, context: Any, name: str, trace_info: TraceInfo | None = None
    ) -> ServerSpan:
        """Return a server span representing the request being handled.

        The span is not started; the integration starts it. ``context.trace`` is set to the
        span. If ``context`` is a :class:`RequestContext` it becomes the span's context;
        otherwise (a framework's own request object) the span's context is a
        :class:`RequestContext` wrapping it. Each observer's ``on_server_span_created`` is
        then called with ``context`` and the span.

        Args:
            context: The context object for this request.
            name: The kind of request, e.g. a route or RPC method name.
            trace_info: The trace context from upstream; ``None`` starts a new trace.

        Raises:
            ReusedContextObjectError: if ``context`` is a RequestContext that already
                belongs to a span.
        """
        if trace_info is None:
            trace_id = span_id = new_span_id()
            span = ServerSpan(trace_id, None, span_id, None, None, name, None)
        else:
            span = ServerSpan(
                trace_info.trace_id,
                trace_info.parent_id,
                trace_info.span_id,
                trace_info.sampled,
                trace_info.flags,
                name,
                None,
            )
        if isinstance(context, RequestContext):
            context.bind(span, self._context_factories)
            span.context = context
        else:
            wrapper = RequestContext(wrapped=context)
            wrapper.bind(span, self._context_factories)
            span.context = wrapper
            context.trace = span
        for observer in self.observers:
            try:
                observer.on_server_span_created(context, span)
            except Exception:
                logger.exception(
                    "Observer %r raised in on_server_span_created; the request goes on without it",
                    observer,
                )
        return span
