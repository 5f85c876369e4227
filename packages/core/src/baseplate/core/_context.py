"""The per-request context object and the factories that populate it."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._errors import ReusedContextObjectError

if TYPE_CHECKING:
    from ._span import Span


class ContextFactory(abc.ABC):
    """An interface for adding things to the context object.

    Objects implementing it are passed to :meth:`Baseplate.add_to_context
    <baseplate.core.Baseplate.add_to_context>`. In a request, the first read of the attribute
    calls :meth:`make_object_for_context` and the result becomes that attribute for the rest
    of the request (or of the local span in whose context it was read).
    """

    @abc.abstractmethod
    def make_object_for_context(self, name: str, span: Span) -> Any:
        """Return the object to attach to the context.

        Called at most once per request (and once per local span that reads the attribute),
        on the greenlet handling the request.

        Args:
            name: The attribute name it was registered under; instrumented clients use it to
                name their spans (``<name>.<operation>``).
            span: The span in whose context the attribute was read: calls made through the
                returned object should be recorded as children of this span.
        """


class RequestContext:
    """The context object: per-request state handed to a request's handler.

    Attributes set on it stay for the request. Attributes registered with
    :meth:`Baseplate.add_to_context <baseplate.core.Baseplate.add_to_context>` are made
    lazily: the first read calls the factory with the span this context belongs to, and the
    result is kept. The span itself is ``context.trace``.

    A local span gets a context of its own (see :meth:`clone_for_span`): factory attributes
    read there are made anew, bound to the local span, and ``trace`` is the local span; every
    other read falls through to the request's context, and every write goes to it.

    Thrift handlers receive a :class:`RequestContext` directly. For frameworks that have their
    own request object (Pyramid), the server span's context is a :class:`RequestContext` that
    wraps that object the same way.
    """

    def __init__(self, *, wrapped: object | None = None) -> None:
        """Make an empty context.

        Args:
            wrapped: An object to which reads of unknown attributes fall through and to which
                writes go (a framework's request object, or the enclosing context).
        """
        d = self.__dict__
        d["_factories"] = {}
        d["_wrapped"] = wrapped
        d["trace"] = None
        if wrapped is not None:
            # Writes must reach the wrapped object: only that class overrides __setattr__, so
            # a plain context's writes cost no Python-level call.
            self.__class__ = _WrappingRequestContext

    def bind(self, span: Span, factories: Mapping[str, ContextFactory]) -> None:
        """Make this the context of ``span``, with ``factories`` for its lazy attributes.

        :meth:`Baseplate.make_server_span <baseplate.core.Baseplate.make_server_span>` calls
        this; applications do not need to.

        Raises:
            ReusedContextObjectError: if the context already belongs to a span.
        """
        d = self.__dict__
        if d["trace"] is not None:
            raise ReusedContextObjectError()
        d["_factories"] = factories
        d["trace"] = span

    def clone_for_span(self, span: Span) -> RequestContext:
        """Return a context for a local child span.

        The new context shares this one's factories and falls through to it for every other
        attribute, so factory objects read from it are bound to ``span``.
        """
        clone = _new_object(_WrappingRequestContext)
        d = clone.__dict__
        d["_factories"] = self.__dict__["_factories"]
        d["_wrapped"] = self
        d["trace"] = span
        return clone

    def __getattr__(self, name: str) -> Any:
        # Only called when ordinary lookup fails: make a factory attribute, or fall through.
        if name.startswith("__"):
            raise AttributeError(name)
        d = self.__dict__
        factory = d["_factories"].get(name)
        if factory is not None:
            span = d["trace"]
            if span is None:
                raise AttributeError(
                    f"context attribute {name!r} is made per request; read it while a "
                    "server span is active"
                )
            value = factory.make_object_for_context(name, span)
            d[name] = value
            return value
        wrapped = d["_wrapped"]
        if wrapped is not None:
            return getattr(wrapped, name)
        raise AttributeError(f"the request context has no attribute {name!r}")

    if TYPE_CHECKING:
        # Any attribute may be set; at run time plain assignment does it (see __init__).
        def __setattr__(self, name: str, value: Any) -> None: ...

    def __repr__(self) -> str:
        return f"<RequestContext trace={self.__dict__['trace']!r}>"


class _WrappingRequestContext(RequestContext):
    """A context that wraps another object: every write goes to that object."""

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.__dict__["_wrapped"], name, value)


_new_object = object.__new__
