"""The shape of a spec: typing aliases, :class:`DictOf` and the spec checker."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias, TypeVar, Union

T = TypeVar("T")

RawConfig: TypeAlias = Mapping[str, str]
Parser: TypeAlias = Callable[[str], T]
# A union written with Union[...] because the alias refers to itself and to DictOf by name.
ConfigSpec: TypeAlias = Union[Callable[[str], Any], Mapping[str, "ConfigSpec"], "DictOf"]


class DictOf:
    """A group of keys that share a prefix, whose names are not known in advance.

    Every key of the form ``<prefix>.<name>`` or ``<prefix>.<name>.<more>`` contributes an entry
    ``<name>`` to the resulting mapping, and each entry is parsed with ``spec`` as if the spec
    had been written out for ``<prefix>.<name>`` by hand. With no matching keys the result is an
    empty mapping.

    ``spec`` is a value parser (one key per entry) or a nested spec (a mapping, or another
    :class:`DictOf`), which allows several keys per entry:

    .. code-block:: ini

        [app:main]
        countries.cn.capital = Beijing
        countries.br.population = 207645000
        countries.br.capital = Brasília

    .. code-block:: python

        spec = {"countries": DictOf({"population": Optional(Integer), "capital": String})}
        cfg = parse_config(raw_config, spec)
        cfg.countries["cn"].population  # None
        cfg.countries["br"].capital  # 'Brasília'

    A :class:`DictOf` may also be the whole spec: ``parse_config(raw, DictOf(Integer))`` parses
    every key of ``raw`` (grouped by the part before the first dot).

    Args:
        spec: How to parse each entry.

    Raises:
        TypeError: ``spec`` is not a parser, a mapping or a :class:`DictOf`.
        ValueError: A key of a nested mapping spec is empty or contains a dot.

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_spec",)

    def __init__(self, spec: ConfigSpec) -> None:
        check_spec(spec, "<name>")
        self._spec = spec

    @property
    def spec(self) -> ConfigSpec:
        """The spec that every entry is parsed with."""
        return self._spec

    def __repr__(self) -> str:
        return f"DictOf({self._spec!r})"


def join_key(prefix: str, name: str) -> str:
    """Return the dotted key for ``name`` under ``prefix`` (an empty prefix is the root)."""
    return f"{prefix}.{name}" if prefix else name


def describe_key(key: str) -> str:
    """Name a position in a spec for an error message (the empty key is the top level)."""
    return repr(key) if key else "the top level"


def check_spec(spec: object, key: str) -> None:
    """Check a whole spec tree for programming errors before any value is parsed.

    Checking up front means a malformed spec fails every time, not only when the configuration
    happens to contain the keys that lead to the broken part.

    Args:
        spec: The spec (or part of one) to check.
        key: The dotted key that ``spec`` describes; empty for the top level.

    Raises:
        TypeError: A part of the spec is neither a mapping, a :class:`DictOf` nor a callable, or a
            mapping has a key that is not a string.
        ValueError: A mapping key is empty or contains a dot.
    """
    if isinstance(spec, Mapping):
        for name, child in spec.items():
            if not isinstance(name, str):
                raise TypeError(
                    f"spec keys must be strings, got {name!r} ({type(name).__name__}) "
                    f"under {describe_key(key)}"
                )
            if not name or "." in name:
                raise ValueError(
                    f"invalid spec key {name!r} under {describe_key(key)}: keys must be non-empty "
                    "and must not contain a dot; write 'a.b' as the nested dict {'a': {'b': ...}}"
                )
            check_spec(child, join_key(key, name))
    elif not isinstance(spec, DictOf) and not callable(spec):
        # A DictOf needs no walk: its constructor already checked the spec inside it.
        raise TypeError(
            f"invalid spec for {describe_key(key)}: expected a dict, a DictOf or a callable "
            f"parser, got {spec!r} ({type(spec).__name__})"
        )
