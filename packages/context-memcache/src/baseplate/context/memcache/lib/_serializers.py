"""The JSON and pickle serializers for memcached values, and the flags they store."""

from __future__ import annotations

import json
import logging
import pickle
import zlib
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("baseplate.context.memcache.lib")

#: The value is JSON text (UTF-8), written by :func:`make_dump_and_compress_fn`.
FLAG_JSON = 1 << 0
#: The value is a pickle (protocol 2), written by :func:`make_pickle_and_compress_fn`. It has
#: the same bit as :data:`FLAG_JSON`: a cache holds one kind or the other, never both.
FLAG_PICKLE = 1 << 0
#: The value is a whole number in decimal digits.
FLAG_INTEGER = 1 << 1
#: The value is a whole number in decimal digits, written by Python 2's ``long``; read as
#: :data:`FLAG_INTEGER`, never written.
FLAG_LONG = 1 << 2
#: The value, encoded as the other bits say, was then compressed with zlib.
FLAG_ZLIB = 1 << 3

_Encoder = Callable[[Any], bytes]


def _check_compression(min_compress_length: int, compress_level: int) -> None:
    if isinstance(min_compress_length, bool) or not isinstance(min_compress_length, int):
        raise TypeError(f"min_compress_length must be an int, got {min_compress_length!r}")
    if min_compress_length < 0:
        raise ValueError(
            f"min_compress_length must be 0 (no compression) or more, got {min_compress_length!r}"
        )
    if isinstance(compress_level, bool) or not isinstance(compress_level, int):
        raise TypeError(f"compress_level must be an int, got {compress_level!r}")
    if not 0 <= compress_level <= 9:
        raise ValueError(
            f"compress_level must be a zlib level from 0 (no compression) to 9, "
            f"got {compress_level!r}"
        )


def _make_serializer(
    encode_other: _Encoder, other_flag: int, min_compress_length: int, compress_level: int
) -> Callable[[Any, Any], tuple[bytes, int]]:
    """Build a serializer: text and bytes as they are, integers in decimal, the rest encoded."""
    _check_compression(min_compress_length, compress_level)
    compress = bool(min_compress_length and compress_level)

    def serialize(key: Any, value: Any) -> tuple[bytes, int]:
        if isinstance(value, bytes):
            data, flags = value, 0
        elif isinstance(value, str):
            data, flags = value.encode("utf-8"), 0
        elif isinstance(value, int):  # bool too: True is stored as 1, as the original did
            data, flags = b"%d" % value, FLAG_INTEGER
        else:
            data, flags = encode_other(value), other_flag
        if compress and len(data) > min_compress_length:
            return zlib.compress(data, compress_level), flags | FLAG_ZLIB
        return data, flags

    return serialize


def _deserialize(
    key: Any, serialized: bytes, flags: int, decode_other: Callable[[bytes], Any], kind: str
) -> Any:
    if flags & FLAG_ZLIB:
        serialized = zlib.decompress(serialized)
        flags ^= FLAG_ZLIB
    if flags == 0:
        return serialized
    if flags in (FLAG_INTEGER, FLAG_LONG):
        return int(serialized)
    if flags == FLAG_JSON:  # == FLAG_PICKLE
        try:
            return decode_other(serialized)
        except Exception:
            logger.info(
                "memcached key %r holds no valid %s; read as None", key, kind, exc_info=True
            )
            return None
    logger.info(
        "memcached key %r has unknown flags %d; its bytes are returned as they are", key, flags
    )
    return serialized


def _dump_json(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")


def _dump_pickle(value: Any) -> bytes:
    return pickle.dumps(value, protocol=2)


def make_dump_and_compress_fn(
    min_compress_length: int = 0, compress_level: int = 1
) -> Callable[[Any, Any], tuple[bytes, int]]:
    """Make a serializer storing values as JSON, compressed when long; read with
    :func:`decompress_and_load`.

    The serializer (a pymemcache ``serializer``, called with the key and the value) stores:

    * :class:`bytes` as they are and :class:`str` as UTF-8, with flags 0 (both read back as
      :class:`bytes`);
    * an :class:`int` (and a :class:`bool`, as 1 or 0) in decimal digits, with
      :data:`FLAG_INTEGER`;
    * anything else as JSON text, with :data:`FLAG_JSON`.

    When ``min_compress_length`` and ``compress_level`` are both above zero, a value longer
    than ``min_compress_length`` bytes once encoded is compressed with zlib at that level and
    :data:`FLAG_ZLIB` is added. These are the bytes and flags the original Baseplate's
    serializer writes, so either can read what the other wrote.

    Args:
        min_compress_length: Compress values longer than this many bytes; 0, the default,
            never compresses.
        compress_level: The zlib level, from 1 (fastest, the default) to 9 (smallest); 0
            never compresses.

    Returns:
        The serializer, ``(key, value) -> (bytes, flags)``. It raises :exc:`TypeError` for a
        value JSON cannot encode.

    Raises:
        TypeError: if an argument is not an :class:`int`.
        ValueError: if ``min_compress_length`` is negative or ``compress_level`` is not
            from 0 to 9.

    .. versionadded:: 0.1.0
    """
    return _make_serializer(_dump_json, FLAG_JSON, min_compress_length, compress_level)


def decompress_and_load(key: Any, serialized: bytes, flags: int) -> Any:
    """Read a value written by :func:`make_dump_and_compress_fn` (a pymemcache
    ``deserializer``).

    A value with :data:`FLAG_ZLIB` is decompressed first. Then flags 0 give the stored
    :class:`bytes`, :data:`FLAG_INTEGER` (or :data:`FLAG_LONG`) an :class:`int`, and
    :data:`FLAG_JSON` the decoded JSON value. A JSON value that does not decode is logged
    and read as ``None`` (as a miss would be); a value with any other flags is logged and
    returned as the stored bytes.

    Args:
        key: The memcached key (named in the log messages).
        serialized: The stored bytes, as memcached returned them.
        flags: The flags stored with the value.

    Returns:
        The value.

    Raises:
        zlib.error: if a value marked compressed does not decompress.
        ValueError: if a value marked as an integer is not one.

    .. versionadded:: 0.1.0
    """
    return _deserialize(key, serialized, flags, json.loads, "JSON")


def make_pickle_and_compress_fn(
    min_compress_length: int = 0, compress_level: int = 1
) -> Callable[[Any, Any], tuple[bytes, int]]:
    """Make a serializer storing values as pickles, compressed when long, as pylibmc stores
    them; read with :func:`decompress_and_unpickle`.

    Only for caches shared with services that use pylibmc (r2 and its kin): anyone who can
    write to the cache can make :func:`decompress_and_unpickle` run code. New services use
    :func:`make_dump_and_compress_fn`.

    The serializer stores bytes, text and integers as :func:`make_dump_and_compress_fn`
    does, and anything else as a pickle of protocol 2 (one Python 2 reads), with
    :data:`FLAG_PICKLE`; compression is the same too.

    Args:
        min_compress_length: As for :func:`make_dump_and_compress_fn`.
        compress_level: As for :func:`make_dump_and_compress_fn`.

    Returns:
        The serializer, ``(key, value) -> (bytes, flags)``. It raises what :func:`pickle.dumps`
        raises for a value that cannot be pickled.

    Raises:
        TypeError: if an argument is not an :class:`int`.
        ValueError: if an argument is out of the range that
            :func:`make_dump_and_compress_fn` takes.

    .. versionadded:: 0.1.0
    """
    return _make_serializer(_dump_pickle, FLAG_PICKLE, min_compress_length, compress_level)


def decompress_and_unpickle(key: Any, serialized: bytes, flags: int) -> Any:
    """Read a value written by :func:`make_pickle_and_compress_fn` or by pylibmc (a pymemcache
    ``deserializer``).

    As :func:`decompress_and_load`, with :data:`FLAG_PICKLE` values unpickled instead of
    decoded as JSON: a pickle that does not load is logged and read as ``None``. Unpickling
    runs code chosen by whoever wrote the value: use this only on a cache that no one else
    can write to.

    Args:
        key: The memcached key, for the log messages.
        serialized: What memcached returned.
        flags: The value's flags.

    Returns:
        The value; it raises what :func:`decompress_and_load` raises.

    .. versionadded:: 0.1.0
    """
    return _deserialize(key, serialized, flags, pickle.loads, "pickle")
