"""Tests for baseplate.context.memcache.lib: the bytes and flags the original reads and writes.

The original's format, which these tests state by hand: flags JSON (or PICKLE) = 1,
INTEGER = 2, LONG = 4, ZLIB = 8; text as UTF-8 and bytes as they are with flags 0; integers
in decimal digits; pickles of protocol 2; zlib at the given level (1 unless told; 0 or a
min_compress_length of 0 never compresses) for values longer than min_compress_length.
"""

from __future__ import annotations

import json
import logging
import pickle
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from pymemcache.client.base import PooledClient

from baseplate.context.memcache.lib import (
    FLAG_INTEGER,
    FLAG_JSON,
    FLAG_LONG,
    FLAG_PICKLE,
    FLAG_ZLIB,
    decompress_and_load,
    decompress_and_unpickle,
    make_dump_and_compress_fn,
    make_pickle_and_compress_fn,
)

Serializer = Callable[[Any, Any], tuple[bytes, int]]
VALUE = {"name": "a value long enough to be compressed", "items": list(range(20))}
LEVELS = range(10)


def test_the_flags_have_the_originals_values() -> None:
    """JSON and PICKLE share bit 0; INTEGER, LONG and ZLIB are bits 1, 2 and 3."""
    assert (FLAG_JSON, FLAG_PICKLE, FLAG_INTEGER, FLAG_LONG, FLAG_ZLIB) == (1, 1, 2, 4, 8)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("caf\u00e9", (b"caf\xc3\xa9", 0)),
        (b"\x00raw", (b"\x00raw", 0)),
        (42, (b"42", 2)),
        (-7, (b"-7", 2)),
        (2**70, (str(2**70).encode(), 2)),
        (True, (b"1", 2)),
        ({"a": [1, 2.5, None]}, (b'{"a": [1, 2.5, null]}', 1)),
        (None, (b"null", 1)),
    ],
)
def test_the_json_serializer_writes_the_originals_bytes(value: Any, expected: Any) -> None:
    """Text, bytes, integers and JSON values are stored as the original stores them."""
    assert expected == make_dump_and_compress_fn()("key", value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("caf\u00e9", (b"caf\xc3\xa9", 0)),
        (b"raw", (b"raw", 0)),
        (42, (b"42", 2)),
        ([1, "two"], (pickle.dumps([1, "two"], protocol=2), 1)),
    ],
)
def test_the_pickle_serializer_writes_the_originals_bytes(value: Any, expected: Any) -> None:
    """As the JSON serializer, with a protocol-2 pickle (flag 1) for other values."""
    assert expected == make_pickle_and_compress_fn()("key", value)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(
    ("make", "encoded", "flag"),
    [
        (make_dump_and_compress_fn, json.dumps(VALUE).encode(), 1),
        (make_pickle_and_compress_fn, pickle.dumps(VALUE, protocol=2), 1),
    ],
    ids=["json", "pickle"],
)
def test_compression_at_each_zlib_level(
    make: Callable[..., Serializer], encoded: bytes, flag: int, level: int
) -> None:
    """Levels 1-9 compress with zlib at that level and add flag 8; level 0 stores plainly."""
    stored = make(min_compress_length=10, compress_level=level)("key", VALUE)

    if level == 0:
        assert (encoded, flag) == stored
    else:
        assert (zlib.compress(encoded, level), flag | 8) == stored


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(
    ("load", "encoded"),
    [
        (decompress_and_load, json.dumps(VALUE).encode()),
        (decompress_and_unpickle, pickle.dumps(VALUE, protocol=2)),
    ],
    ids=["json", "pickle"],
)
def test_reading_values_compressed_at_each_zlib_level(
    load: Callable[[Any, bytes, int], Any], encoded: bytes, level: int
) -> None:
    """A value another writer compressed at any level (0 included) is read back (flags 9)."""
    assert load("key", zlib.compress(encoded, level), 1 | 8) == VALUE
    assert load("key", zlib.compress(b"plain text", level), 8) == b"plain text"
    assert load("key", zlib.compress(b"12345", level), 2 | 8) == 12345


def test_only_values_longer_than_min_compress_length_are_compressed() -> None:
    """A value of exactly min_compress_length bytes stays plain; one byte more is compressed."""
    serialize = make_dump_and_compress_fn(min_compress_length=5)

    assert serialize("key", "12345") == (b"12345", 0)
    assert (zlib.compress(b"123456", 1), 8) == serialize("key", "123456")
    assert make_dump_and_compress_fn()("key", "x" * 1000) == (b"x" * 1000, 0)


@pytest.mark.parametrize("load", [decompress_and_load, decompress_and_unpickle])
def test_integers_and_bytes_read_back(load: Callable[[Any, bytes, int], Any]) -> None:
    """Flags 0 give the stored bytes; INTEGER and Python 2's LONG give an int."""
    assert load("key", b"caf\xc3\xa9", 0) == b"caf\xc3\xa9"
    assert load("key", b"42", 2) == 42
    assert load("key", str(2**70).encode(), 4) == 2**70


@pytest.mark.parametrize(
    ("load", "flags"),
    [(decompress_and_load, 1), (decompress_and_unpickle, 1)],
    ids=["json", "pickle"],
)
def test_a_value_that_does_not_decode_reads_as_none(
    load: Callable[[Any, bytes, int], Any], flags: int, caplog: pytest.LogCaptureFixture
) -> None:
    """Corrupt JSON or pickle data is logged with its key and read as None, like a miss."""
    with caplog.at_level(logging.INFO, logger="baseplate.context.memcache.lib"):
        assert load("the-key", b"\x80\x02not valid{", flags) is None

    assert "'the-key'" in caplog.text


@pytest.mark.parametrize("load", [decompress_and_load, decompress_and_unpickle])
def test_unknown_flags_give_the_stored_bytes(
    load: Callable[[Any, bytes, int], Any], caplog: pytest.LogCaptureFixture
) -> None:
    """Flags these serializers never write are logged and the bytes returned as they are."""
    with caplog.at_level(logging.INFO, logger="baseplate.context.memcache.lib"):
        assert load("the-key", b"data", 16) == b"data"

    assert "unknown flags 16" in caplog.text


@pytest.mark.parametrize("make", [make_dump_and_compress_fn, make_pickle_and_compress_fn])
def test_round_trips(make: Callable[..., Serializer]) -> None:
    """What each serializer writes, its reader reads back (text as its UTF-8 bytes)."""
    load = decompress_and_load if make is make_dump_and_compress_fn else decompress_and_unpickle
    serialize = make(min_compress_length=8, compress_level=9)
    for value in [VALUE, 7, "short", "a longer piece of text", b"bytes!", [1, 2, 3] * 10]:
        expected = value.encode() if isinstance(value, str) else value
        assert expected == load("key", *serialize("key", value))


def test_a_value_json_cannot_encode_is_a_type_error() -> None:
    """The JSON serializer refuses what JSON cannot write, as json.dumps does."""
    with pytest.raises(TypeError, match="not JSON serializable"):
        make_dump_and_compress_fn()("key", object())


@pytest.mark.parametrize("make", [make_dump_and_compress_fn, make_pickle_and_compress_fn])
@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"min_compress_length": -1}, ValueError, "min_compress_length must be 0"),
        ({"compress_level": 10}, ValueError, "from 0 .no compression. to 9, got 10"),
        ({"compress_level": -1}, ValueError, "got -1"),
        ({"compress_level": 1.5}, TypeError, "compress_level must be an int, got 1.5"),
        ({"min_compress_length": "10"}, TypeError, "min_compress_length must be an int"),
    ],
)
def test_bad_compression_arguments_are_refused(
    make: Callable[..., Serializer], kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    """A negative length or a level outside 0-9 is refused when the serializer is made."""
    with pytest.raises(error, match=message):
        make(**kwargs)


def _with_flags(key: Any, value: bytes, flags: int) -> tuple[bytes, int]:
    return value, flags


@pytest.mark.integration
@pytest.mark.parametrize(
    ("make", "load"),
    [
        (make_dump_and_compress_fn, decompress_and_load),
        (make_pickle_and_compress_fn, decompress_and_unpickle),
    ],
    ids=["json", "pickle"],
)
def test_values_cross_a_real_memcached_in_the_originals_format(
    memcached: tuple[str, int],
    key: Callable[[str], str],
    make: Callable[..., Serializer],
    load: Callable[[Any, bytes, int], Any],
) -> None:
    """Stored bytes and flags are the original's both ways, through a real server."""
    ours = PooledClient(
        memcached,
        serializer=make(min_compress_length=16, compress_level=6),
        deserializer=load,
        default_noreply=False,
    )
    raw = PooledClient(memcached, deserializer=_with_flags, default_noreply=False)
    if load is decompress_and_load:
        encoded = json.dumps(VALUE).encode()
    else:
        encoded = pickle.dumps(VALUE, protocol=2)

    ours.set(key("written-here"), VALUE)
    assert (zlib.compress(encoded, 6), 9) == raw.get(key("written-here"))

    raw.set(key("written-there"), zlib.compress(encoded, 9), flags=9)
    raw.set(key("number-there"), b"99", flags=2)
    assert ours.get(key("written-there")) == VALUE
    assert ours.get(key("number-there")) == 99
    ours.close()
    raw.close()
