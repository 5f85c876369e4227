"""The services of the end-to-end tests: a Thrift service and a Pyramid one, each reading the
edge request context of its requests, and calling the next service when configured.

``baseplate-serve`` runs them from this directory (``edge_services:make_processor`` and
``edge_services:make_app``). Configuration keys: ``secrets.path`` (the secrets file with the
authentication service's public key) and, optionally, ``downstream.endpoint`` (a Thrift
service of the same kind to call).

The Thrift service's ``describe()`` returns its view of the edge context; ``relay()``
returns what the downstream service's ``describe()`` saw. The Pyramid service answers
``GET /describe`` and ``GET /relay`` the same way, in JSON, and ``GET /edge`` acts as the
edge: it makes a new edge context from the request's ``Authorization: Bearer <token>`` and
``X-Loid`` headers, then relays.
"""

from __future__ import annotations

import logging
from typing import Any

from edgecontext_testgen import EdgeContextTestService
from edgecontext_testgen.ttypes import EdgeView
from pyramid.config import Configurator
from pyramid.request import Request

from baseplate import config
from baseplate.context.thrift import ThriftContextFactory
from baseplate.core import Baseplate, RequestContext
from baseplate.edgecontext import EdgeRequestContext, EdgeRequestContextFactory
from baseplate.integration.pyramid import BaseplateConfigurator, StaticTrustHandler
from baseplate.integration.thrift import baseplateify_processor
from baseplate.secrets import secrets_store_from_config
from baseplate.thrift_pool import ThriftConnectionPool

logger = logging.getLogger(__name__)


def view_of(edge: EdgeRequestContext) -> EdgeView:
    """What a service sees of the edge context (the identity only when logged in)."""
    user = edge.user
    logged_in = user.is_logged_in
    return EdgeView(
        user_id=user.id if logged_in else None,
        logged_in=logged_in,
        loid=user.loid,
        session_id=edge.session.id,
        device_id=edge.device.id,
        origin_service=edge.origin_service.name,
        country_code=edge.geolocation.country_code,
        request_id=edge.request_id,
        oauth_client_id=edge.oauth_client.id if logged_in else None,
        roles=sorted(user.roles) if logged_in else [],
    )


def as_json(view: EdgeView) -> dict[str, Any]:
    return {name: getattr(view, name) for name in EdgeView.__slots__}


class Handler(EdgeContextTestService.Iface):
    def describe(self, context: RequestContext) -> EdgeView:
        return view_of(context.request_context)

    def relay(self, context: RequestContext) -> EdgeView:
        return context.downstream.describe()


def _set_up(app_config: dict[str, str]) -> tuple[Baseplate, EdgeRequestContextFactory]:
    cfg = config.parse_config(
        app_config, {"downstream": {"endpoint": config.Optional(config.Endpoint)}}
    )
    baseplate = Baseplate()
    baseplate.configure_logging()
    if cfg.downstream.endpoint is not None:
        pool = ThriftConnectionPool(cfg.downstream.endpoint)
        baseplate.add_to_context(
            "downstream", ThriftContextFactory(pool, EdgeContextTestService.Client)
        )
    return baseplate, EdgeRequestContextFactory(secrets_store_from_config(app_config))


def make_processor(app_config: dict[str, str]) -> Any:
    """The Thrift service."""
    baseplate, factory = _set_up(app_config)
    processor = EdgeContextTestService.Processor(Handler())
    return baseplateify_processor(processor, logger, baseplate, edge_context_factory=factory)


def make_app(app_config: dict[str, str]) -> Any:
    """The Pyramid service; it trusts every caller's headers (it is a test)."""
    baseplate, factory = _set_up(app_config)

    def describe(request: Request) -> dict[str, Any]:
        return as_json(view_of(request.request_context))

    def relay(request: Request) -> dict[str, Any]:
        return as_json(request.downstream.describe())

    def edge(request: Request) -> dict[str, Any]:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        factory.new(
            authentication_token=token if scheme == "Bearer" else None,
            loid_id=request.headers.get("X-Loid"),
            origin_service_name="edge-test",
        ).attach_context(request)
        return relay(request)

    configurator = Configurator()
    configurator.include(
        BaseplateConfigurator(
            baseplate,
            edge_context_factory=factory,
            header_trust_handler=StaticTrustHandler(trust_headers=True),
        ).includeme
    )
    for name, view in (("describe", describe), ("relay", relay), ("edge", edge)):
        configurator.add_route(name, f"/{name}")
        configurator.add_view(view, route_name=name, renderer="json")
    return configurator.make_wsgi_app()
