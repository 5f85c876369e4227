"""A small Pyramid service run by baseplate-serve.

Run it from the repository root (the factory is named relative to it)::

    baseplate-serve examples/wsgi_service/example.ini

Endpoints:

``GET /hello?name=NAME``
    Greets, doing the work in a local child span and logging a line; the log line carries the
    request's trace id. The response shows the server span's trace context, so you can see
    trace headers (``X-Trace``, ``X-Span``, ``X-Parent``, ``X-Sampled``, trusted by this
    example) arrive.
``GET /health?type=readiness|liveness|startup|1|2|3``
    The health check ``baseplate-healthcheck wsgi`` calls: JSON, 200 when healthy and 503 when
    not. Readiness fails while the server drains before shutting down.
``GET /downstream``
    Calls the example Thrift service's ``whoami`` (configure ``downstream.endpoint``) and
    shows both sides' trace context: the trace continues across the call.
``GET /sleep?seconds=N``
    Answers after N seconds (at most 30): try stopping the server while it runs.
``GET /fail``
    Raises an unexpected exception: the server span records it (a 500), and the error
    reporter, when ``sentry.dsn`` is configured, reports it.
``GET /experiment?name=NAME&user_id=ID``
    Buckets the user into experiment NAME of the experiments file (configure
    ``experiments.path``; ``experiments.json`` here is a small one) and answers the variant.
    The bucketing event goes to the event queue ``events.queue_name`` for the event publisher
    sidecar (``python -m baseplate.events.publisher --queue-name NAME CONFIG``), or to the
    log without one. Needs baseplate-experiments.
"""

from __future__ import annotations

import logging
from typing import Any

import gevent
from pyramid.config import Configurator
from pyramid.httpexceptions import HTTPBadGateway, HTTPBadRequest, HTTPNotFound
from pyramid.request import Request

from baseplate import config
from baseplate.core import Baseplate, Span
from baseplate.integration.pyramid import BaseplateConfigurator, StaticTrustHandler
from baseplate.server import Probe, state

logger = logging.getLogger(__name__)


def _describe(span: Span) -> dict[str, Any]:
    return {
        "trace_id": str(span.trace_id),
        "span_id": str(span.id),
        "parent_id": None if span.parent_id is None else str(span.parent_id),
        "sampled": span.sampled,
    }


def hello(request: Request) -> dict[str, Any]:
    name = request.params.get("name", "world")
    with request.trace.make_child("compose", local=True, component_name="greeter"):
        logger.info("Saying hello to %s", name)
        message = f"Hello, {name}!"
    return {"message": message, "span": _describe(request.trace)}


def health(request: Request) -> dict[str, Any]:
    try:
        probe = Probe.parse(request.params.get("type", "readiness"))
    except ValueError as exc:
        raise HTTPBadRequest(json_body={"error": str(exc)}) from None
    current = state()
    healthy = current.passes(probe)
    if not healthy:
        request.response.status_int = 503
    return {"healthy": healthy, "probe": probe.name.lower(), "state": current.value}


def downstream(request: Request) -> dict[str, Any]:
    client = getattr(request, "downstream", None)
    if client is None:
        raise HTTPNotFound(json_body={"error": "downstream.endpoint is not configured"})
    try:
        info = client.whoami()
    except Exception as exc:
        logger.warning("The downstream call failed: %s", exc)
        raise HTTPBadGateway(json_body={"error": f"downstream call failed: {exc}"}) from None
    remote = {
        "trace_id": info.trace_id,
        "span_id": info.span_id,
        "parent_id": info.parent_id,
        "sampled": info.sampled,
    }
    return {"span": _describe(request.trace), "downstream": remote}


def sleep(request: Request) -> dict[str, Any]:
    try:
        seconds = min(float(request.params.get("seconds", "1")), 30.0)
    except ValueError:
        raise HTTPBadRequest(json_body={"error": "seconds must be a number"}) from None
    gevent.sleep(seconds)
    return {"slept": seconds}


def fail(request: Request) -> dict[str, Any]:
    raise RuntimeError("the example's deliberate failure")


def experiment(request: Request) -> dict[str, Any]:
    experiments = getattr(request, "experiments", None)
    if experiments is None:
        raise HTTPNotFound(json_body={"error": "experiments.path is not configured"})
    name = request.params.get("name", "")
    user_id = request.params.get("user_id") or None
    variant = experiments.variant(name, user_id=user_id, logged_in=user_id is not None)
    return {"experiment": name, "user_id": user_id, "variant": variant}


def make_app(app_config: dict[str, str]) -> Any:
    """The application factory named in example.ini."""
    cfg = config.parse_config(
        app_config,
        {
            "observers": {"enabled": config.Optional(config.Boolean, default=True)},
            "downstream": {"endpoint": config.Optional(config.Endpoint)},
            "experiments": {"path": config.Optional(config.String)},
            "events": {"queue_name": config.Optional(config.String)},
        },
    )
    baseplate = Baseplate()
    if cfg.observers.enabled:
        # Logging, plus metrics, tracing and error reporting when their keys (metrics.*,
        # tracing.*, sentry.*) are in this section.
        baseplate.configure_observers(app_config, __name__)
    if cfg.downstream.endpoint is not None:
        # Imported here so the service runs without baseplate-thrift when it has no downstream.
        from examples.thrift_service.example_thrift import ExampleService

        from baseplate.context.thrift import ThriftContextFactory
        from baseplate.thrift_pool import ThriftConnectionPool

        pool = ThriftConnectionPool(cfg.downstream.endpoint)
        baseplate.add_to_context("downstream", ThriftContextFactory(pool, ExampleService.Client))

    if cfg.experiments.path is not None:
        # Imported here too, so the demo runs without baseplate-experiments.
        from baseplate.events import EventQueueLogger
        from baseplate.experiments import experiments_client_from_config

        event_logger = None  # the experiments client's default: bucketing events to the log
        if cfg.events.queue_name is not None:
            event_logger = EventQueueLogger(cfg.events.queue_name)  # v2 events
        experiments = experiments_client_from_config(app_config, event_logger)
        baseplate.add_to_context("experiments", experiments)

    configurator = Configurator()
    baseplate_configurator = BaseplateConfigurator(
        baseplate,
        # This example trusts the trace headers of every caller so you can try them; a
        # public service should only trust its own infrastructure.
        header_trust_handler=StaticTrustHandler(trust_headers=True),
    )
    configurator.include(baseplate_configurator.includeme)
    for name, path, view in (
        ("hello", "/hello", hello),
        ("health", "/health", health),
        ("downstream", "/downstream", downstream),
        ("sleep", "/sleep", sleep),
        ("fail", "/fail", fail),
        ("experiment", "/experiment", experiment),
    ):
        configurator.add_route(name, path)
        configurator.add_view(view, route_name=name, renderer="json")
    # The app gets a `baseplate` attribute, through which baseplate-serve finds the metrics
    # client for process-level metrics (when metrics are configured).
    return configurator.make_wsgi_app()
