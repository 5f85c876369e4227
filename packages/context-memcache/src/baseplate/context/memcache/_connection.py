"""The instrumented memcached connection: each call to memcached a child span."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

from pymemcache.client.base import PooledClient

from baseplate.context.memcache._keys import key_text, make_keys_str
from baseplate.core import Span


class MonitoredMemcacheConnection:
    """A memcached client for one request, whose every call is a child span of the request.

    It has the methods of pymemcache's ``PooledClient``, with the same arguments, results
    and errors, and sends each call through the shared pool it wraps. Each call that talks
    to memcached makes one span named ``<context attribute>.<method>`` (``memcache.get``
    for a client on the context as ``memcache``), finished with the exception when the call
    raises, and tagged:

    * ``method``: the method's name, as in the span's name;
    * ``key``: the key, for a call on one key;
    * ``keys`` and ``key_count``: the keys (see :func:`make_keys_str`) and how many there
      are, for a call on several;
    * ``expire``, ``cas``, ``delay``: those arguments, for the methods that take them;
    * ``noreply``: whether the call waits for memcached's answer (``False``) or not
      (``True``), for the methods that take it; when the argument is left at ``None``, the
      pool's ``default_noreply``.

    The aliases ``set_multi``, ``get_multi``, ``delete_multi`` and ``disconnect_all`` make
    the span of the method they stand for, and so do ``connection[key]`` (a ``get`` that
    raises :exc:`KeyError` for a missing key), ``connection[key] = value`` (a ``set``
    without reply) and ``del connection[key]`` (a ``delete`` without reply).
    :meth:`check_key` does no I/O and makes no span.

    Made by :class:`~baseplate.context.memcache.MemcacheContextFactory` for each request;
    not usually built directly.

    Args:
        context_name: The context attribute the connection is on, for span names.
        server_span: The span of the request (or local span) the calls belong to.
        pooled_client: The pool of connections to memcached, shared by every request.

    Attributes:
        pooled_client: The pool the calls go through.

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_prefix", "_server_span", "pooled_client")

    def __init__(self, context_name: str, server_span: Span, pooled_client: PooledClient) -> None:
        self._prefix = context_name + "."
        self._server_span = server_span
        self.pooled_client = pooled_client

    def _span(self, method: str) -> Span:
        span = self._server_span.make_child(self._prefix + method)
        span.set_tag("method", method)
        return span

    def _noreply(self, noreply: bool | None) -> bool:
        return bool(self.pooled_client.default_noreply if noreply is None else noreply)

    def _store(
        self,
        method: str,
        key: str | bytes,
        value: Any,
        expire: int,
        noreply: bool | None,
        flags: int | None,
    ) -> Any:
        with self._span(method) as span:
            span.set_tag("key", key_text(key))
            span.set_tag("expire", expire)
            span.set_tag("noreply", self._noreply(noreply))
            call = getattr(self.pooled_client, method)
            return call(key, value, expire=expire, noreply=noreply, flags=flags)

    def _many(self, method: str, keys: Iterable[str | bytes]) -> Any:
        keys = list(keys)
        with self._span(method) as span:
            span.set_tag("key_count", len(keys))
            span.set_tag("keys", make_keys_str(keys))
            return getattr(self.pooled_client, method)(keys)

    def check_key(self, key: str | bytes) -> bytes:
        """Return ``key`` as the bytes sent to memcached (prefixed); no I/O, no span.

        Raises:
            pymemcache.exceptions.MemcacheIllegalInputError: if the key is not valid.
        """
        return cast(bytes, self.pooled_client.check_key(key))

    def close(self) -> None:
        """Close every connection in the pool (span ``close``)."""
        with self._span("close"):
            self.pooled_client.close()

    disconnect_all = close

    def set(
        self,
        key: str | bytes,
        value: Any,
        expire: int = 0,
        noreply: bool | None = None,
        flags: int | None = None,
    ) -> bool:
        """Store ``value`` under ``key`` (span ``set``: ``key``, ``expire``, ``noreply``)."""
        return cast(bool, self._store("set", key, value, expire, noreply, flags))

    def set_many(
        self,
        values: Mapping[str | bytes, Any],
        expire: int = 0,
        noreply: bool | None = None,
        flags: int | None = None,
    ) -> list[str | bytes]:
        """Store several values; return the keys not stored (span ``set_many``: ``keys``,
        ``key_count``, ``expire``, ``noreply``)."""
        with self._span("set_many") as span:
            span.set_tag("key_count", len(values))
            span.set_tag("keys", make_keys_str(values.keys()))
            span.set_tag("expire", expire)
            span.set_tag("noreply", self._noreply(noreply))
            return cast(
                "list[str | bytes]",
                self.pooled_client.set_many(values, expire=expire, noreply=noreply, flags=flags),
            )

    set_multi = set_many

    def replace(
        self,
        key: str | bytes,
        value: Any,
        expire: int = 0,
        noreply: bool | None = None,
        flags: int | None = None,
    ) -> bool:
        """Store ``value`` only if ``key`` exists (span ``replace``: as ``set``)."""
        return cast(bool, self._store("replace", key, value, expire, noreply, flags))

    def append(
        self,
        key: str | bytes,
        value: Any,
        expire: int = 0,
        noreply: bool | None = None,
        flags: int | None = None,
    ) -> bool:
        """Add ``value`` after the stored one (span ``append``: as ``set``)."""
        return cast(bool, self._store("append", key, value, expire, noreply, flags))

    def prepend(
        self,
        key: str | bytes,
        value: Any,
        expire: int = 0,
        noreply: bool | None = None,
        flags: int | None = None,
    ) -> bool:
        """Add ``value`` before the stored one (span ``prepend``: as ``set``)."""
        return cast(bool, self._store("prepend", key, value, expire, noreply, flags))

    def add(
        self,
        key: str | bytes,
        value: Any,
        expire: int = 0,
        noreply: bool | None = None,
        flags: int | None = None,
    ) -> bool:
        """Store ``value`` only if ``key`` does not exist (span ``add``: as ``set``)."""
        return cast(bool, self._store("add", key, value, expire, noreply, flags))

    def cas(
        self,
        key: str | bytes,
        value: Any,
        cas: int | str | bytes,
        expire: int = 0,
        noreply: bool | None = False,
        flags: int | None = None,
    ) -> bool | None:
        """Store ``value`` if ``key`` is unchanged since :meth:`gets` gave ``cas``; ``None``
        if the key does not exist (span ``cas``: ``key``, ``cas``, ``expire``, ``noreply``)."""
        with self._span("cas") as span:
            span.set_tag("key", key_text(key))
            span.set_tag("cas", cas if isinstance(cas, int) else key_text(cas))
            span.set_tag("expire", expire)
            span.set_tag("noreply", self._noreply(noreply))
            return cast(
                "bool | None",
                self.pooled_client.cas(
                    key, value, cas, expire=expire, noreply=noreply, flags=flags
                ),
            )

    def get(self, key: str | bytes, default: Any = None) -> Any:
        """Return the value of ``key``, or ``default`` (span ``get``: ``key``)."""
        with self._span("get") as span:
            span.set_tag("key", key_text(key))
            return self.pooled_client.get(key, default)

    def get_many(self, keys: Iterable[str | bytes]) -> dict[str | bytes, Any]:
        """Return the values of the keys that exist (span ``get_many``: ``keys``,
        ``key_count``)."""
        return cast("dict[str | bytes, Any]", self._many("get_many", keys))

    get_multi = get_many

    def gets(self, key: str | bytes) -> tuple[Any, Any]:
        """Return the value of ``key`` and its cas token, or ``(None, None)`` (span ``gets``:
        ``key``)."""
        with self._span("gets") as span:
            span.set_tag("key", key_text(key))
            return cast("tuple[Any, Any]", self.pooled_client.gets(key))

    def gets_many(self, keys: Iterable[str | bytes]) -> dict[str | bytes, tuple[Any, Any]]:
        """Return the values and cas tokens of the keys that exist (span ``gets_many``:
        ``keys``, ``key_count``)."""
        return cast("dict[str | bytes, tuple[Any, Any]]", self._many("gets_many", keys))

    def delete(self, key: str | bytes, noreply: bool | None = None) -> bool:
        """Delete ``key``; whether it existed, or ``True`` without reply (span ``delete``:
        ``key``, ``noreply``)."""
        with self._span("delete") as span:
            span.set_tag("key", key_text(key))
            span.set_tag("noreply", self._noreply(noreply))
            return cast(bool, self.pooled_client.delete(key, noreply=noreply))

    def delete_many(self, keys: Iterable[str | bytes], noreply: bool | None = None) -> bool:
        """Delete several keys (span ``delete_many``: ``keys``, ``key_count``, ``noreply``)."""
        keys = list(keys)
        with self._span("delete_many") as span:
            span.set_tag("key_count", len(keys))
            span.set_tag("keys", make_keys_str(keys))
            span.set_tag("noreply", self._noreply(noreply))
            return cast(bool, self.pooled_client.delete_many(keys, noreply=noreply))

    delete_multi = delete_many

    def incr(self, key: str | bytes, value: int, noreply: bool | None = False) -> int | None:
        """Add ``value`` to the number under ``key``; the new number, or ``None`` if the key
        does not exist or without reply (span ``incr``: ``key``, ``noreply``)."""
        with self._span("incr") as span:
            span.set_tag("key", key_text(key))
            span.set_tag("noreply", self._noreply(noreply))
            return cast("int | None", self.pooled_client.incr(key, value, noreply=noreply))

    def decr(self, key: str | bytes, value: int, noreply: bool | None = False) -> int | None:
        """Subtract ``value`` from the number under ``key`` (span ``decr``: as ``incr``)."""
        with self._span("decr") as span:
            span.set_tag("key", key_text(key))
            span.set_tag("noreply", self._noreply(noreply))
            return cast("int | None", self.pooled_client.decr(key, value, noreply=noreply))

    def touch(self, key: str | bytes, expire: int = 0, noreply: bool | None = None) -> bool:
        """Set a new expiry time on ``key``; whether it exists (span ``touch``: ``key``,
        ``expire``, ``noreply``)."""
        with self._span("touch") as span:
            span.set_tag("key", key_text(key))
            span.set_tag("expire", expire)
            span.set_tag("noreply", self._noreply(noreply))
            return cast(bool, self.pooled_client.touch(key, expire=expire, noreply=noreply))

    def stats(self, *args: str) -> dict[bytes, Any]:
        """Return the server's statistics, of the group ``args`` names (span ``stats``)."""
        with self._span("stats"):
            return cast("dict[bytes, Any]", self.pooled_client.stats(*args))

    def version(self) -> bytes:
        """Return the server's version (span ``version``)."""
        with self._span("version"):
            return cast(bytes, self.pooled_client.version())

    def flush_all(self, delay: int = 0, noreply: bool | None = None) -> bool:
        """Expire every item, in ``delay`` seconds (span ``flush_all``: ``delay``,
        ``noreply``)."""
        with self._span("flush_all") as span:
            span.set_tag("delay", delay)
            span.set_tag("noreply", self._noreply(noreply))
            return cast(bool, self.pooled_client.flush_all(delay=delay, noreply=noreply))

    def quit(self) -> None:
        """Close one pooled connection, telling the server (span ``quit``)."""
        with self._span("quit"):
            self.pooled_client.quit()

    def shutdown(self, graceful: bool = False) -> None:
        """Stop the memcached server itself, if it allows that (span ``shutdown``)."""
        with self._span("shutdown"):
            self.pooled_client.shutdown(graceful)

    def raw_command(self, command: str | bytes, end_tokens: str | bytes = b"\r\n") -> bytes:
        """Send a command as it is; return the answer up to ``end_tokens`` (span
        ``raw_command``)."""
        with self._span("raw_command"):
            return cast(bytes, self.pooled_client.raw_command(command, end_tokens))

    def __setitem__(self, key: str | bytes, value: Any) -> None:
        self.set(key, value, noreply=True)

    def __getitem__(self, key: str | bytes) -> Any:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __delitem__(self, key: str | bytes) -> None:
        self.delete(key, noreply=True)
