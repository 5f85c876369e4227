"""Thrift integration for Baseplate.

This module wraps a Thrift processor so that Baseplate's facilities take part in every
request: each call gets a server span (named after the method, continuing the caller's
trace) and a :class:`~baseplate.core.RequestContext`, which the handler receives as its
first argument::

    import logging

    from baseplate.core import Baseplate
    from baseplate.integration.thrift import baseplateify_processor

    from my_service_thrift import MyService


    class Handler:
        def is_healthy(self, context):
            return True

        def get_thing(self, context, thing_id):
            with context.trace.make_child("lookup", local=True, component_name="db"):
                ...


    def make_processor(app_config):
        baseplate = Baseplate()
        baseplate.configure_logging()
        processor = MyService.Processor(Handler())
        return baseplateify_processor(processor, logging.getLogger(__name__), baseplate)

``baseplate-serve`` serves the processor; to serve it yourself, use
:func:`server_protocol_factory` for the protocol.
"""

from __future__ import annotations

from types import FunctionType

from baseplate.integration.thrift._processor import (
    EDGE_REQUEST_HEADER,
    BaseplateProcessor,
    baseplateify_processor,
    server_protocol_factory,
)

__all__ = [
    "EDGE_REQUEST_HEADER",
    "BaseplateProcessor",
    "baseplateify_processor",
    "server_protocol_factory",
]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
