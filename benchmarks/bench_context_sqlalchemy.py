"""Benchmark: a SELECT through the context's SQLAlchemy session against a bare connection.

Both run in one process against the same PostgreSQL (BASEPLATE_POSTGRES_ADDR, default
127.0.0.1:5432, with the role and database tools/postgres.sh makes), through the same
engine and pool, for the same one-row ``SELECT 1``, alternately, so the server and the
network cost the same for both. Prints microseconds per statement (best of the repeats) for:

- ``Connection.execute``, SQLAlchemy alone on a connection it holds;
- ``Session.execute`` on a plain ORM session of the same engine, outside any request (what
  the ORM layer itself adds);
- ``Session.execute`` on the session a request's context holds: the same statement in a
  child span of the request's span, its SQL carrying the trace comment (a Baseplate with no
  observers, so the figure is what the instrumentation itself costs);

and the ratios of the context's session to the bare connection and to the plain session.
Needs a PostgreSQL driver: ``pip install 'psycopg[binary]'``.

    python benchmarks/bench_context_sqlalchemy.py [--number 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os

import sqlalchemy
import sqlalchemy.orm
from _timing import best_microseconds

from baseplate.context.sqlalchemy import SQLAlchemySessionContextFactory
from baseplate.core import Baseplate, RequestContext

STATEMENT = sqlalchemy.text("SELECT 1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    address = os.environ.get("BASEPLATE_POSTGRES_ADDR", "127.0.0.1:5432")
    url = f"postgresql+psycopg://baseplate_test:baseplate_test@{address}/baseplate_test"
    engine = sqlalchemy.create_engine(url, pool_size=2)

    baseplate = Baseplate()
    baseplate.add_to_context("db", SQLAlchemySessionContextFactory(engine))
    context = RequestContext()
    span = baseplate.make_server_span(context, "bench")
    span.start()
    session = context.db
    connection = engine.connect()
    plain = sqlalchemy.orm.Session(bind=engine)

    def bare_select() -> None:
        connection.execute(STATEMENT).scalar_one()

    def plain_select() -> None:
        plain.execute(STATEMENT).scalar_one()

    def session_select() -> None:
        session.execute(STATEMENT).scalar_one()

    bare = plain_session = through_context = float("inf")
    for _ in range(args.repeat):  # alternate, so a slower moment of the machine hits all three
        bare = min(bare, best_microseconds(bare_select, args.number, 1))
        plain_session = min(plain_session, best_microseconds(plain_select, args.number, 1))
        through_context = min(through_context, best_microseconds(session_select, args.number, 1))
    span.finish()  # closes the context's session
    plain.close()
    connection.close()
    engine.dispose()

    print(f"{'Connection.execute (bare)':34} {bare:8.2f} us per statement")
    print(f"{'Session.execute (plain session)':34} {plain_session:8.2f} us per statement")
    print(f"{'Session.execute (context)':34} {through_context:8.2f} us per statement")
    print(f"ratio (context / bare connection): {through_context / bare:.3f}")
    print(f"ratio (context / plain session): {through_context / plain_session:.3f}")


if __name__ == "__main__":
    main()
