"""Wrapping a generated Thrift processor in Baseplate's request lifecycle."""

from __future__ import annotations

import contextvars
import logging
import sys
from collections.abc import Callable
from typing import Any

from thrift.Thrift import TException, TType
from thrift.transport.THeaderTransport import THeaderClientType
from thrift.transport.TTransport import HARD_MAX_FRAME_SIZE

from baseplate._thrift import LOW_LEVEL_ERRORS
from baseplate.core import Baseplate, RequestContext, ServerSpan, TraceInfo
from baseplate.integration.thrift._header import ServerHeaderProtocolFactory

#: The header carrying the serialized edge request context.
EDGE_REQUEST_HEADER = "Edge-Request"

# The input protocol of the message being processed on this thread or greenlet: set by
# BaseplateProcessor.process, read by the handler proxy when the generated code calls it.
_current_iprot: contextvars.ContextVar[Any] = contextvars.ContextVar("baseplate_thrift_iprot")


def server_protocol_factory(*, max_frame_size: int | None = None) -> Any:
    """Return the protocol factory a Baseplate Thrift server uses.

    It is a :class:`~thrift.protocol.THeaderProtocol.THeaderProtocolFactory` that also accepts
    plain framed and unframed binary-protocol clients and answers each in its own dialect. Only
    THeader clients can send headers, so only they can carry trace context.

    A frame whose length (read from the wire) is over ``max_frame_size`` is refused before
    any of it is read: reading the message raises
    :class:`~thrift.transport.TTransport.TTransportException` (``SIZE_LIMIT``), and the
    server closes that connection. The same bound applies to what a zlib-compressed frame
    decompresses to.

    Args:
        max_frame_size: The largest frame accepted, in bytes (at least 1, under 1 GiB);
            ``None`` for Apache Thrift's default, 16,384,000 bytes.

    Raises:
        ValueError: ``max_frame_size`` is out of that range.

    .. versionadded:: 0.1.0
    """
    if max_frame_size is not None and not 0 < max_frame_size < HARD_MAX_FRAME_SIZE:
        raise ValueError(
            f"max_frame_size must be between 1 and {HARD_MAX_FRAME_SIZE - 1} bytes,"
            f" not {max_frame_size!r}"
        )
    return ServerHeaderProtocolFactory(
        allowed_client_types=(
            THeaderClientType.HEADERS,
            THeaderClientType.FRAMED_BINARY,
            THeaderClientType.UNFRAMED_BINARY,
        ),
        max_frame_size=max_frame_size,
    )


def _read_headers(iprot: Any) -> dict[str, bytes]:
    """Return the request's THeader headers keyed by lower-cased name ({} for other protocols)."""
    get_headers = getattr(iprot, "get_headers", None)
    if get_headers is None:
        return {}
    raw: dict[bytes, bytes] = get_headers() or {}
    return {key.decode("latin-1").lower(): value for key, value in raw.items()}


def _declared_exceptions(
    processor_cls: type, method: str
) -> tuple[type[BaseException], ...] | None:
    """Return the exceptions the IDL declares for ``method``, from the generated code.

    The generated module of the service that defines ``method`` has a ``<method>_result``
    struct whose ``thrift_spec`` lists the declared exceptions as fields 1 and up. Base
    services are searched through the processor's class hierarchy. Returns ``None`` if no
    such struct is found.
    """
    for cls in processor_cls.__mro__:
        module = sys.modules.get(cls.__module__)
        result_cls = getattr(module, f"{method}_result", None)
        spec = getattr(result_cls, "thrift_spec", None)
        if spec is None:
            continue
        declared = []
        for field in spec:
            if not field or field[0] == 0 or field[1] != TType.STRUCT:
                continue
            type_args = field[3]
            candidate = type_args[0] if isinstance(type_args, list | tuple) else None
            if isinstance(candidate, type) and issubclass(candidate, BaseException):
                declared.append(candidate)
        return tuple(declared)
    return None


class _HandlerProxy:
    """Stands in for the service's handler inside the generated processor.

    The generated code calls ``handler.<method>(*args)``; the proxy gives every call its own
    context and server span, and calls the real handler as ``handler.<method>(context,
    *args)``.
    """

    def __init__(self, wrapper: BaseplateProcessor, handler: Any) -> None:
        self._wrapper = wrapper
        self._handler = handler
        self._declared: dict[str, tuple[type[BaseException], ...] | None] = {}

    def __getattr__(self, method: str) -> Callable[..., Any]:
        if method.startswith("__"):
            raise AttributeError(method)
        implementation = getattr(self._handler, method)

        def call_with_context(*args: Any, **kwargs: Any) -> Any:
            return self._wrapper._call_handler(method, implementation, args, kwargs)

        return call_with_context

    def expected_exceptions(self, method: str) -> tuple[type[BaseException], ...] | None:
        """Return the exceptions ``method`` declares, or ``None`` if that is unknown."""
        if method not in self._declared:
            self._declared[method] = _declared_exceptions(type(self._wrapper.processor), method)
        return self._declared[method]


class BaseplateProcessor:
    """A Thrift processor with Baseplate's span lifecycle; see :func:`baseplateify_processor`.

    Attributes:
        baseplate: The :class:`~baseplate.core.Baseplate` the requests are reported to.
        processor: The generated processor doing the decoding, dispatch and encoding; its
            handler is the context-passing proxy.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        processor: Any,
        logger: logging.Logger,
        baseplate: Baseplate,
        edge_context_factory: Any = None,
        *,
        w3c_tracecontext: bool | None = None,
    ) -> None:
        try:
            handler = processor._handler
        except AttributeError:
            raise TypeError(
                f"expected a processor generated by the Thrift compiler, got {processor!r}"
            ) from None
        self.baseplate = baseplate
        self.logger = logger
        self.edge_context_factory = edge_context_factory
        self.w3c_tracecontext = w3c_tracecontext
        self._proxy = _HandlerProxy(self, handler)
        self.processor = type(processor)(self._proxy)

    def process(self, iprot: Any, oprot: Any) -> Any:
        """Process one message from ``iprot``, answering on ``oprot``."""
        token = _current_iprot.set(iprot)
        try:
            return self.processor.process(iprot, oprot)
        finally:
            _current_iprot.reset(token)

    def on_message_begin(self, func: Callable[[str, int, int], None]) -> None:
        """Call ``func(name, type, seqid)`` as each message begins, as TProcessor allows."""
        self.processor.on_message_begin(func)

    def _call_handler(
        self,
        method: str,
        implementation: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        """Run one call of the real handler in a new context and server span."""
        headers = _read_headers(_current_iprot.get(None))
        context = RequestContext()
        context.headers = headers
        context.raw_request_context = headers.get(EDGE_REQUEST_HEADER.lower())
        if self.edge_context_factory is not None:
            edge_context = self.edge_context_factory.from_upstream(context.raw_request_context)
            edge_context.attach_context(context)
        trace_info = self._trace_info(headers)
        span = self.baseplate.make_server_span(context, method, trace_info)
        span.start()
        try:
            result = implementation(context, *args, **kwargs)
        except BaseException as exc:
            self._finish(span, method, exc)
            raise
        span.finish()
        return result

    def _finish(self, span: ServerSpan, method: str, exc: BaseException) -> None:
        declared = self._proxy.expected_exceptions(method)
        if declared is None:
            # Not generated code we recognise: treat any Thrift exception but the low-level
            # ones as declared, since that is all a generated client can raise.
            declared = (TException,)
        if isinstance(exc, declared) and not isinstance(exc, LOW_LEVEL_ERRORS):
            span.finish()
        else:
            span.finish((type(exc), exc, exc.__traceback__))

    def _trace_info(self, headers: dict[str, bytes]) -> TraceInfo | None:
        def lookup(name: str) -> str | None:
            value = headers.get(name.lower())
            return None if value is None else value.decode("latin-1")

        w3c = self.w3c_tracecontext
        try:
            return TraceInfo.from_headers(
                lookup, traceparent=self.baseplate.w3c_tracecontext if w3c is None else w3c
            )
        except ValueError as exc:
            self.logger.debug("ignoring malformed trace headers, starting a new trace: %s", exc)
            return None


def baseplateify_processor(
    processor: Any,
    logger: logging.Logger,
    baseplate: Baseplate,
    edge_context_factory: Any = None,
    *,
    w3c_tracecontext: bool | None = None,
) -> BaseplateProcessor:
    """Wrap a Thrift processor with Baseplate's span lifecycle.

    Every call the returned processor handles gets a fresh
    :class:`~baseplate.core.RequestContext` and a server span named after the Thrift method,
    and the handler is called as ``handler.<method>(context, *args)``. ``context.trace`` is
    the server span.

    The span continues the caller's trace when the request carries trace headers (THeader
    headers ``Trace``, ``Span``, ``Parent``, ``Sampled``, ``Flags`` or their ``B3-*``
    aliases, in any letter case; see :meth:`TraceInfo.from_headers
    <baseplate.core.TraceInfo.from_headers>`). Malformed trace headers are logged at debug
    level on ``logger`` and the request starts a new trace. When W3C trace context is on, a
    ``traceparent`` header is honoured when none of those headers is present.

    The ``Edge-Request`` header is kept, as bytes (or ``None``), in
    ``context.raw_request_context`` so that clients can forward it; if
    ``edge_context_factory`` is given, ``edge_context_factory.from_upstream(raw)`` parses it
    and the result's ``attach_context(context)`` puts it on the context (an exception from
    the factory fails the request). All request headers are in ``context.headers``, keyed by
    lower-cased name.

    The span finishes without an error when the handler returns or raises an exception the
    method declares in the IDL; any other exception (Thrift's application, protocol and
    transport exceptions included) finishes it with that exception.

    Serve the returned processor with the protocol factory from
    :func:`server_protocol_factory` so that plain framed and unframed binary clients are
    served too.

    How it hooks in: a generated ``Processor`` calls ``self._handler.<method>(*args)`` from
    its ``process_<method>`` functions and offers no public way to reach or replace the
    handler. This function therefore reads the processor's ``_handler`` once, and builds a
    new processor of the same class, through the generated (public) constructor, around a
    proxy of that handler; the original processor is left untouched. Nothing else of the
    generated or library code is patched.

    Args:
        processor: The service's generated ``Processor``, built around the handler.
        logger: The logger for debug logging about headers.
        baseplate: The application's Baseplate object.
        edge_context_factory: A factory for the edge request context (from
            baseplate-edgecontext), or ``None`` to only keep the raw header.
        w3c_tracecontext: Also accept the W3C ``traceparent`` header: ``True`` or ``False``,
            or ``None`` (the default) to follow ``baseplate.w3c_tracecontext``, which the
            configuration key ``tracing.w3c_tracecontext`` sets.

    Returns:
        A processor to serve; its ``baseplate`` attribute is ``baseplate``. The original
        processor's ``baseplate`` attribute is set too.

    Raises:
        TypeError: if ``processor`` is not a processor generated by the Thrift compiler.

    .. versionadded:: 0.1.0
    """
    wrapped = BaseplateProcessor(
        processor, logger, baseplate, edge_context_factory, w3c_tracecontext=w3c_tracecontext
    )
    processor.baseplate = baseplate
    return wrapped
