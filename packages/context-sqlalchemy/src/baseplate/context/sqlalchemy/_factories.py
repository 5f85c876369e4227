"""The context factories: an engine, or an ORM session, per request."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from baseplate.core import ContextFactory, ExcInfo, ServerSpan, Span, SpanObserver

from ._instrument import engine_for_span, instrument


class _InstrumentedEngineFactory(ContextFactory):
    """What both factories share: the engine, listened to for its cursor events."""

    def __init__(self, engine: Engine) -> None:
        instrument(engine)
        self.engine = engine


class SQLAlchemyEngineContextFactory(_InstrumentedEngineFactory):
    """Puts a SQLAlchemy :class:`~sqlalchemy.engine.Engine` on each request's context.

    Every statement executed through it is a child span of the span whose context it was
    read in, named ``<context attribute>.execute`` (``db.execute`` for an engine added to
    the context as ``db``) and tagged ``statement`` (the SQL with its placeholders, never
    the parameters; cut at 1,024 characters). A statement that fails finishes its span with
    the exception the caller gets. The SQL sent to the database ends with a space and the
    comment ``-- trace:<trace id>,span:<span id>`` (decimal ids), so the database's
    slow-query log and activity views lead back to the request.

    The request's engine is ``engine`` with one more execution option: it shares the
    connection pool. Statements run on ``engine`` itself, outside any request, are neither
    recorded nor commented.

    The engine is the low-level API; for the ORM use :class:`SQLAlchemySessionContextFactory`.

    Args:
        engine: A configured engine, e.g. from :func:`engine_from_config`. Listeners for
            its cursor events are added to it (once, however many factories share it).

    .. versionadded:: 0.1.0
    """

    def make_object_for_context(self, name: str, span: Span) -> Engine:
        """Return the engine for the request of ``span``, on its context as ``name``."""
        return engine_for_span(self.engine, name, span)


class SQLAlchemySessionContextFactory(_InstrumentedEngineFactory):
    """Puts a SQLAlchemy ORM :class:`~sqlalchemy.orm.Session` on each request's context.

    One session per request: it is made when the request first reads the attribute, and
    closed (neither committed nor rolled back; the connection goes back to the pool and an
    open transaction is rolled back by the pool) when the request's server span finishes.
    Commit explicitly what should be kept. Local spans read the same session, so work done
    in them is part of the request's transaction; their statements are recorded under the
    request's span. A local span that reads the attribute before the request ever has gets
    a session of its own, closed when that local span finishes.

    Statements are recorded and commented as :class:`SQLAlchemyEngineContextFactory`
    describes. For plain SQL without the ORM, use that factory.

    Args:
        engine: A configured engine, e.g. from :func:`engine_from_config`. Listeners for
            its cursor events are added to it (once, however many factories share it).

    .. versionadded:: 0.1.0
    """

    def make_object_for_context(self, name: str, span: Span) -> Session:
        """Return the session of the request of ``span``, on its context as ``name``."""
        # The request's session is also kept on its context under a key no attribute access
        # can spell, where a local span's context (which reads through to the request's)
        # finds it.
        key = f"{name}:session"
        if not isinstance(span, ServerSpan):
            shared: Session | None = getattr(span.context, key, None)
            if shared is not None:
                return shared
        session = Session(bind=engine_for_span(self.engine, name, span))
        span.register(_CloseSession(session))
        if isinstance(span, ServerSpan):
            setattr(span.context, key, session)
        return session


class _CloseSession(SpanObserver):
    """Closes a session when its span finishes."""

    __slots__ = ("session",)

    def __init__(self, session: Session) -> None:
        self.session = session

    def on_finish(self, exc_info: ExcInfo | None) -> None:
        self.session.close()
