"""Pyramid integration for Baseplate.

A configuration extension that brings Baseplate into the Pyramid request lifecycle: every
request that matches a route becomes a server span named after the route, observers see it
start and finish, trusted callers' trace and edge-context headers are honoured, and the
application's context factories become request attributes. Example::

    from pyramid.config import Configurator

    from baseplate.core import Baseplate
    from baseplate.integration.pyramid import BaseplateConfigurator, StaticTrustHandler


    def make_app(app_config):
        baseplate = Baseplate()
        baseplate.configure_logging()

        configurator = Configurator(settings=app_config)
        baseplate_config = BaseplateConfigurator(
            baseplate,
            # only for services that untrusted clients cannot reach
            header_trust_handler=StaticTrustHandler(trust_headers=True),
        )
        configurator.include(baseplate_config.includeme)
        configurator.add_route("hello", "/hello")
        configurator.add_view(lambda request: {"trace": request.trace.trace_id},
                              route_name="hello", renderer="json")
        return configurator.make_wsgi_app()

The Pyramid context object is the request: ``request.trace`` is the server span, and
attributes added with :meth:`Baseplate.add_to_context
<baseplate.core.Baseplate.add_to_context>` are available as ``request.<name>``.

Because the span is finished by a tween above Pyramid's exception-view tween, an exception
that an exception view turns into a response is still reported on the span (Pyramid's HTTP
exceptions below 500 excepted: they are control flow).
"""

from __future__ import annotations

from types import FunctionType

from ._configurator import BaseplateConfigurator
from ._events import ServerSpanInitialized
from ._trust import HeaderTrustHandler, StaticTrustHandler

__all__ = [
    "BaseplateConfigurator",
    "HeaderTrustHandler",
    "ServerSpanInitialized",
    "StaticTrustHandler",
]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
