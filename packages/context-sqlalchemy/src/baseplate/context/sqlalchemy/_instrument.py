"""Spans for SQL statements, through SQLAlchemy's cursor events.

The engine a context factory hands out carries, as an execution option, the span its
statements belong under and the span name to give them. Three listeners on the engine do
the rest: ``before_cursor_execute`` starts the statement's span (and appends the trace
comment to the SQL), ``after_cursor_execute`` finishes it, ``handle_error`` finishes it with
the exception. The statement's span is kept on its execution context, the object SQLAlchemy
makes for each statement and passes to all three, so concurrent statements on other
connections never see each other's spans.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, ExceptionContext, ExecutionContext

from baseplate.core import Span

#: The execution option holding a :class:`Parent`.
PARENT_OPTION = "baseplate_parent"
#: The attribute of an execution context holding its statement's span while it runs.
SPAN_ATTRIBUTE = "baseplate_span"
#: The longest ``statement`` tag; a longer statement is cut and ends with ``...``.
MAX_STATEMENT_TAG = 1024


class Parent(NamedTuple):
    """Where an engine's statements are recorded: under ``span``, each named ``span_name``."""

    span: Span
    span_name: str


def engine_for_span(engine: Engine, name: str, span: Span) -> Engine:
    """Return a copy of ``engine`` whose statements are child spans of ``span``.

    The copy shares the engine's connection pool and listeners; only its execution options
    differ.
    """
    return engine.execution_options(**{PARENT_OPTION: Parent(span, f"{name}.execute")})


def instrument(engine: Engine) -> None:
    """Listen to ``engine``'s cursor events, once however often it is called."""
    if not event.contains(engine, "before_cursor_execute", _before_cursor_execute):
        event.listen(engine, "before_cursor_execute", _before_cursor_execute, retval=True)
        event.listen(engine, "after_cursor_execute", _after_cursor_execute)
        event.listen(engine, "handle_error", _handle_error)


def statement_tag(statement: str) -> str:
    """Return ``statement`` cut to :data:`MAX_STATEMENT_TAG` characters."""
    if len(statement) <= MAX_STATEMENT_TAG:
        return statement
    return statement[: MAX_STATEMENT_TAG - 3] + "..."


def _before_cursor_execute(
    conn: Connection,
    cursor: Any,
    statement: str,
    parameters: Any,
    context: ExecutionContext | None,
    executemany: bool,
) -> tuple[str, Any]:
    parent = conn.get_execution_options().get(PARENT_OPTION)
    if parent is None or context is None:
        return statement, parameters  # not an engine from a context factory
    span = parent.span.make_child(parent.span_name)
    span.set_tag("statement", statement_tag(statement))
    span.start()
    setattr(context, SPAN_ATTRIBUTE, span)
    # Slow-query logs and pg_stat_activity show the comment: it leads back to the request.
    return f"{statement} -- trace:{span.trace_id:d},span:{span.id:d}", parameters


def _after_cursor_execute(
    conn: Connection,
    cursor: Any,
    statement: str,
    parameters: Any,
    context: ExecutionContext | None,
    executemany: bool,
) -> None:
    span: Span | None = getattr(context, SPAN_ATTRIBUTE, None)
    if span is not None:
        setattr(context, SPAN_ATTRIBUTE, None)
        span.finish()


def _handle_error(exception_context: ExceptionContext) -> None:
    span: Span | None = getattr(exception_context.execution_context, SPAN_ATTRIBUTE, None)
    if span is None:
        return
    setattr(exception_context.execution_context, SPAN_ATTRIBUTE, None)
    # What the caller sees: SQLAlchemy's wrapper (DBAPIError and subclasses) when there is one.
    error = exception_context.sqlalchemy_exception or exception_context.original_exception
    traceback = error.__traceback__ or exception_context.original_exception.__traceback__
    span.finish((type(error), error, traceback))
