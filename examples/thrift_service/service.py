"""A small Thrift service run by baseplate-serve.

Run it from the repository root (the factory is named relative to it)::

    baseplate-serve examples/thrift_service/example.ini --bind localhost:9091
    baseplate-healthcheck thrift localhost:9091

It implements BaseplateServiceV2's ``is_healthy`` (readiness fails while the server drains
before shutting down) and two methods of its own from ``example.thrift``: ``greet`` and
``whoami``, which describes the server span of the call -- handy to see trace headers arrive.
"""

from __future__ import annotations

import logging
from typing import Any

from examples.thrift_service.example_thrift import ExampleService
from examples.thrift_service.example_thrift.ttypes import SpanInfo

from baseplate import config
from baseplate.core import Baseplate, RequestContext
from baseplate.integration.thrift import baseplateify_processor
from baseplate.server import Probe, state
from baseplate.thrift.ttypes import IsHealthyProbe, IsHealthyRequest

logger = logging.getLogger(__name__)


class Handler(ExampleService.Iface):
    """The service's methods; each gets the request context first."""

    def is_healthy(self, context: RequestContext, request: IsHealthyRequest) -> bool:
        probe = Probe(request.probe or IsHealthyProbe.READINESS)
        return state().passes(probe)

    def greet(self, context: RequestContext, name: str) -> str:
        with context.trace.make_child("compose", local=True, component_name="greeter"):
            logger.info("Greeting %s", name)
            return f"Hello, {name}!"

    def whoami(self, context: RequestContext) -> SpanInfo:
        span = context.trace
        return SpanInfo(
            trace_id=str(span.trace_id),
            span_id=str(span.id),
            parent_id=None if span.parent_id is None else str(span.parent_id),
            sampled=span.sampled,
        )


def make_processor(app_config: dict[str, str]) -> Any:
    """The application factory named in example.ini."""
    cfg = config.parse_config(
        app_config, {"observers": {"enabled": config.Optional(config.Boolean, default=True)}}
    )
    baseplate = Baseplate()
    if cfg.observers.enabled:
        # Logging, plus metrics, tracing and error reporting when configured.
        baseplate.configure_observers(app_config, __name__)
    processor = ExampleService.Processor(Handler())
    return baseplateify_processor(processor, logger, baseplate)
