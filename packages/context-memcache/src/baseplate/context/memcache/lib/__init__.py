"""Serializers for memcached values, compatible with the original Baseplate's.

memcached stores bytes and, beside them, a number of *flags* that it hands back with the
value; these serializers use the flags to say how a value was encoded (see the ``FLAG_``
constants). Give a pair to :func:`~baseplate.context.memcache.pool_from_config`:

* :func:`make_dump_and_compress_fn` and :func:`decompress_and_load`: JSON, for new services.
* :func:`make_pickle_and_compress_fn` and :func:`decompress_and_unpickle`: pickles, for caches
  shared with services that use pylibmc.

Both write exactly the bytes and flags the original Baseplate's serializers write, so services
built on either read each other's values. ::

    >>> from baseplate.context.memcache.lib import decompress_and_load, make_dump_and_compress_fn
    >>> serialize = make_dump_and_compress_fn(min_compress_length=16)
    >>> serialize("user:1", {"name": "Ada"})
    (b'{"name": "Ada"}', 1)
    >>> stored, flags = serialize("user:2", {"name": "Grace Brewster Murray Hopper"})
    >>> flags  # FLAG_JSON | FLAG_ZLIB
    9
    >>> decompress_and_load("user:2", stored, flags)
    {'name': 'Grace Brewster Murray Hopper'}
"""

from __future__ import annotations

from baseplate.context.memcache.lib._serializers import (
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

__all__ = [
    "FLAG_INTEGER",
    "FLAG_JSON",
    "FLAG_LONG",
    "FLAG_PICKLE",
    "FLAG_ZLIB",
    "decompress_and_load",
    "decompress_and_unpickle",
    "make_dump_and_compress_fn",
    "make_pickle_and_compress_fn",
]

for _name in __all__:
    if callable(globals()[_name]):  # the functions; the FLAG_ constants are plain ints
        globals()[_name].__module__ = __name__
del _name
