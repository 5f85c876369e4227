"""Walking a spec over a raw configuration: :func:`parse_config` and :class:`ConfigNamespace`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from baseplate.config._errors import ConfigurationError
from baseplate.config._spec import (
    ConfigSpec,
    DictOf,
    RawConfig,
    check_spec,
    join_key,
)


class ConfigNamespace(dict[str, Any]):
    """The parsed configuration: a :class:`dict` whose keys can also be read as attributes.

    ``cfg.nested.once`` and ``cfg["nested"]["once"]`` are the same value. Keys that clash with
    :class:`dict` methods (``items``, ``keys``, ...) are only reachable by item access.
    Assigning attributes is not supported; a namespace is meant to be read.

    Raises:
        AttributeError: On reading an attribute that is neither a key nor a :class:`dict`
            attribute.

    .. versionadded:: 0.1.0
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f"configuration has no key {name!r}; available keys: {sorted(self)!r}"
            ) from None

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self})


def parse_config(
    config: RawConfig, spec: Mapping[str, Any] | DictOf, *, prefix: str = ""
) -> ConfigNamespace:
    """Parse a flat mapping of strings against a spec and return a structured result.

    The spec is checked in full first. Then each leaf of the spec (a value parser) is called
    with the text stored under its full dotted key, or with ``""`` when the key is missing, so
    parsers decide what a missing value means (most reject it; wrap them in
    :func:`Optional` to supply a default). Keys of ``config`` that the spec does not mention
    are ignored.

    Only :exc:`ValueError` raised by a parser is treated as "bad configuration" and turned into
    :exc:`ConfigurationError`. Any other exception from a parser is a bug in that parser and
    propagates unchanged.

    Args:
        config: The raw configuration, e.g. ``dict(parser.items("app:main"))`` for a
            :class:`configparser.RawConfigParser`.
        spec: The shape of the configuration: a mapping whose keys are key segments and whose
            values are parsers, nested mappings or :class:`DictOf` (see :data:`ConfigSpec`);
            or a :class:`DictOf` that takes in every key. The mapping's values are typed
            loosely so that a spec kept in a variable needs no annotation; they are checked
            when this function runs.
        prefix: Read the spec's keys under this prefix: with ``prefix="redis."`` the spec key
            ``endpoint`` is read from ``redis.endpoint``, and an error names
            ``redis.endpoint``. This is how a ``*_from_config`` helper lets the caller choose
            where its keys live. The trailing dot is optional.

    Returns:
        A :class:`ConfigNamespace` with one entry per spec key (nested mappings become nested
        namespaces).

    Raises:
        ConfigurationError: A value was rejected by its parser; the error names the full
            dotted key.
        TypeError: The spec (or a part of it) is not a mapping, a :class:`DictOf` or a
            callable, or has a non-string key. A bare parser is also refused as the whole spec,
            since it has no key to read.
        ValueError: A key in the spec is empty or contains a dot.

    .. versionadded:: 0.1.0
    """
    check_spec(spec, "")
    root = prefix.removesuffix(".")
    if isinstance(spec, DictOf):
        return _parse_group(spec, root, config)
    if isinstance(spec, Mapping):
        return _parse_mapping(spec, root, config)
    raise TypeError(
        "the top-level spec must be a dict or a DictOf (a bare parser has no key to read), "
        f"got {spec!r}"
    )


def _parse_node(spec: ConfigSpec, key: str, config: RawConfig) -> Any:
    if isinstance(spec, Mapping):
        return _parse_mapping(spec, key, config)
    if isinstance(spec, DictOf):
        return _parse_group(spec, key, config)
    return _parse_value(spec, key, config)


def _parse_mapping(spec: Mapping[str, ConfigSpec], key: str, config: RawConfig) -> ConfigNamespace:
    return ConfigNamespace(
        (name, _parse_node(child, join_key(key, name), config)) for name, child in spec.items()
    )


def _parse_group(group: DictOf, key: str, config: RawConfig) -> ConfigNamespace:
    prefix = f"{key}." if key else ""
    names: dict[str, None] = {}  # an ordered set: entries keep the order of the raw config
    for raw_key in config:
        if raw_key.startswith(prefix):
            name = raw_key[len(prefix) :].partition(".")[0]
            if name:
                names[name] = None
    return ConfigNamespace(
        (name, _parse_node(group.spec, join_key(key, name), config)) for name in names
    )


def _parse_value(parser: Callable[[str], Any], key: str, config: RawConfig) -> Any:
    text = config.get(key, "")
    try:
        return parser(text)
    except ValueError as exc:
        raise ConfigurationError(key, exc) from exc
