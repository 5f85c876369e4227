"""Typed, validated parsing of flat ``key = value`` service configuration.

A service's configuration usually arrives as a flat mapping of strings, for instance one
section of an INI file read with :mod:`configparser`. :func:`parse_config` checks that mapping
against a *spec* that says which keys the service needs and what each one means, and returns
the parsed values as a :class:`ConfigNamespace`. Every problem is reported at startup as a
:exc:`ConfigurationError` naming the offending key.

A spec is a :class:`dict` whose values are *parsers*: callables that take the raw text and
return a value or raise :exc:`ValueError`. Nested dicts describe dotted keys, and
:class:`DictOf` collects groups of keys whose names are not known in advance. This package
provides parsers for common value types (:func:`Integer`, :func:`Timespan`, :func:`Endpoint`,
:func:`ImportPath`, ...) and for combining them (:func:`Optional`, :func:`TupleOf`,
:func:`Fallback`, :func:`Positive`, ...); any other ``Callable[[str], T]`` works as a parser
too.

.. code-block:: ini

    [app:main]
    timeout = 3 seconds
    redis.endpoint = localhost:6379
    redis.max_connections = 10
    features = search, cache

Parsed with a spec::

    >>> import configparser
    >>> from baseplate import config
    >>> parser = configparser.RawConfigParser()
    >>> parser.read_string('''
    ... [app:main]
    ... timeout = 3 seconds
    ... redis.endpoint = localhost:6379
    ... redis.max_connections = 10
    ... features = search, cache
    ... ''')
    >>> raw_config = dict(parser.items("app:main"))
    >>> cfg = config.parse_config(raw_config, {
    ...     "timeout": config.Timespan,
    ...     "redis": {
    ...         "endpoint": config.Endpoint,
    ...         "max_connections": config.Optional(config.Integer, default=100),
    ...     },
    ...     "features": config.TupleOf(config.OneOf(search="S", cache="C")),
    ... })
    >>> cfg.timeout.total_seconds()
    3.0
    >>> cfg.redis.endpoint.address
    InternetAddress(host='localhost', port=6379)
    >>> cfg.redis.max_connections
    10
    >>> cfg.features
    ['S', 'C']
    >>> config.parse_config({"timeout": "soon"}, {"timeout": config.Timespan})
    Traceback (most recent call last):
        ...
    baseplate.config.ConfigurationError: timeout: expected a span of time ... got 'soon'

Missing keys are given to their parser as ``""``; most parsers reject that, and
:func:`Optional` turns it into a default.
"""

from __future__ import annotations

from types import FunctionType
from typing import TypeAlias

from baseplate.config import _spec
from baseplate.config._combinators import Fallback, OneOf, Optional, Positive, TupleOf
from baseplate.config._errors import ConfigurationError
from baseplate.config._imports import ImportPath, ImportPathError, import_object
from baseplate.config._ini import read_ini_section
from baseplate.config._parse import ConfigNamespace, parse_config
from baseplate.config._scalars import (
    Base64,
    Boolean,
    Float,
    Integer,
    Percent,
    PositiveInteger,
    String,
    Timespan,
    TimespanOrSeconds,
)
from baseplate.config._spec import DictOf
from baseplate.config._system import (
    Endpoint,
    EndpointConfiguration,
    File,
    InternetAddress,
    UnixGroup,
    UnixUser,
)

#: The raw configuration that :func:`parse_config` reads, a mapping of dotted keys to strings.
RawConfig: TypeAlias = _spec.RawConfig

#: A value parser. It is called with the raw text of one key and returns the parsed value, or
#: raises :exc:`ValueError` when the text is not acceptable. ``Parser[int]`` returns ints.
Parser: TypeAlias = _spec.Parser[_spec.T]

#: A spec, or one part of one. It is a :data:`Parser`, a mapping of key segments to specs, or
#: a :class:`DictOf`.
ConfigSpec: TypeAlias = _spec.ConfigSpec

__all__ = [
    "Base64",
    "Boolean",
    "ConfigNamespace",
    "ConfigSpec",
    "ConfigurationError",
    "DictOf",
    "Endpoint",
    "EndpointConfiguration",
    "Fallback",
    "File",
    "Float",
    "ImportPath",
    "ImportPathError",
    "Integer",
    "InternetAddress",
    "OneOf",
    "Optional",
    "Parser",
    "Percent",
    "Positive",
    "PositiveInteger",
    "RawConfig",
    "String",
    "Timespan",
    "TimespanOrSeconds",
    "TupleOf",
    "UnixGroup",
    "UnixUser",
    "import_object",
    "parse_config",
    "read_ini_section",
]

# Present the public classes and functions under this module, so reprs, pickles and the
# generated documentation name it rather than the private module that defines them.
for _public in map(globals().get, __all__):
    if isinstance(_public, type | FunctionType):
        _public.__module__ = __name__
del _public
