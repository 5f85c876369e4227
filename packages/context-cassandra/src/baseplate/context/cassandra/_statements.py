"""The statement text that spans are tagged with, and the cache of prepared statements."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from cassandra.query import BatchStatement, BoundStatement, PreparedStatement, Statement

#: The longest statement text a span's ``statement`` tag holds; longer text is cut there.
STATEMENT_TAG_LIMIT = 1000


def statement_text(query: Any) -> str:
    """Return the CQL text of a query, as the ``statement`` tag holds it.

    A string is the text itself; a simple or prepared statement gives its query string, a
    bound statement its prepared statement's; a batch is ``BATCH``. Bound values are never
    part of it. Text longer than :data:`STATEMENT_TAG_LIMIT` is cut there and ends in ``...``.
    """
    if isinstance(query, str):
        text = query
    elif isinstance(query, BoundStatement):
        text = query.prepared_statement.query_string
    elif isinstance(query, BatchStatement):
        text = "BATCH"
    elif isinstance(query, (PreparedStatement, Statement)):
        text = getattr(query, "query_string", None) or type(query).__name__
    else:
        text = type(query).__name__
    if len(text) > STATEMENT_TAG_LIMIT:
        text = text[: STATEMENT_TAG_LIMIT - 3] + "..."
    return text


class _StatementCache:
    """Prepared statements by (query text, keyspace), the least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._statements: OrderedDict[tuple[str, str | None], PreparedStatement] = OrderedDict()

    def get(self, key: tuple[str, str | None]) -> PreparedStatement | None:
        with self._lock:
            statement = self._statements.get(key)
            if statement is not None:
                self._statements.move_to_end(key)
            return statement

    def put(self, key: tuple[str, str | None], statement: PreparedStatement) -> None:
        with self._lock:
            self._statements[key] = statement
            self._statements.move_to_end(key)
            while len(self._statements) > self.size:
                self._statements.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._statements)
