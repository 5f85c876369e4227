"""Tests for parse_config, ConfigNamespace and DictOf."""

from __future__ import annotations

import copy
import datetime
import pickle
import re
from typing import Any

import pytest

from baseplate.config import (
    Boolean,
    ConfigNamespace,
    ConfigSpec,
    ConfigurationError,
    DictOf,
    Integer,
    Optional,
    String,
    Timespan,
    parse_config,
)


def test_simple_keys() -> None:
    """Each spec key is parsed from the raw value of the same name."""
    cfg = parse_config({"debug": "true", "workers": "4"}, {"debug": Boolean, "workers": Integer})

    expected = {"debug": True, "workers": 4}
    assert expected == cfg
    assert cfg.debug is True
    assert expected["workers"] == cfg.workers


def test_unmentioned_keys_are_ignored() -> None:
    """Keys the spec does not ask for do not appear in the result."""
    cfg = parse_config({"a": "1", "b": "2", "a.c": "3"}, {"a": Integer})

    expected = {"a": 1}
    assert expected == cfg


def test_nested_specs_read_dotted_keys() -> None:
    """Nested dicts in the spec map to dotted keys and to nested namespaces."""
    raw = {"nested.once": "1", "nested.really.deep": "3 seconds"}
    spec: dict[str, ConfigSpec] = {"nested": {"once": Integer, "really": {"deep": Timespan}}}

    cfg = parse_config(raw, spec)

    expected = (1, datetime.timedelta(seconds=3))
    assert expected == (cfg.nested.once, cfg.nested.really.deep)
    assert isinstance(cfg.nested.really, ConfigNamespace)


def test_missing_key_is_passed_as_empty_string() -> None:
    """A missing key reaches its parser as the empty string."""
    seen: list[str] = []

    def record(text: str) -> str:
        seen.append(text)
        return text

    cfg = parse_config({}, {"absent": record, "deep": {"absent": Optional(Integer, default=7)}})

    expected = ([""], {"absent": "", "deep": {"absent": 7}})
    assert expected == (seen, cfg)


def test_missing_required_key_names_key() -> None:
    """A missing key whose parser rejects "" is reported under its dotted name."""
    with pytest.raises(
        ConfigurationError, match=r"^db\.name: expected a non-empty string, got ''$"
    ):
        parse_config({}, {"db": {"name": String}})


def test_bad_value_error_names_dotted_key() -> None:
    """The error of a deeply nested key starts with the full dotted key."""
    raw = {"nested.really.deep": "soon"}
    spec = {"nested": {"really": {"deep": Timespan}}}

    with pytest.raises(ConfigurationError) as info:
        parse_config(raw, spec)

    error = info.value
    assert str(error).startswith("nested.really.deep: expected a span of time")
    expected = "nested.really.deep"
    assert expected == error.key
    assert isinstance(error.error, ValueError)
    assert isinstance(error.__cause__, ValueError)


def test_parser_bugs_are_not_hidden() -> None:
    """Exceptions other than ValueError from a parser propagate unchanged."""

    def buggy(text: str) -> int:
        return {"a": 1}[text]

    with pytest.raises(KeyError):
        parse_config({"x": "b"}, {"x": buggy})


def test_custom_callable_parser() -> None:
    """Any callable taking a string works as a parser, including its ValueError."""

    def even(text: str) -> int:
        number = int(text)
        if number % 2:
            raise ValueError(f"expected an even number, got {text!r}")
        return number

    expected = {"n": 4}
    assert expected == parse_config({"n": "4"}, {"n": even})
    with pytest.raises(ConfigurationError, match=r"^n: expected an even number, got '3'$"):
        parse_config({"n": "3"}, {"n": even})


def test_empty_value_error_still_readable() -> None:
    """A ValueError without a message still produces a useful description."""

    def terse(text: str) -> str:
        raise ValueError

    with pytest.raises(ConfigurationError, match=r"^k: invalid value$"):
        parse_config({"k": "v"}, {"k": terse})


@pytest.mark.parametrize("bad_key", ["a.b", "", "a."])
def test_dot_in_spec_key_is_rejected(bad_key: str) -> None:
    """Spec keys must not contain dots: nesting is written with nested dicts."""
    with pytest.raises(ValueError, match=f"invalid spec key {re.escape(repr(bad_key))}"):
        parse_config({"a.b": "1"}, {bad_key: Integer})


def test_dot_in_nested_spec_key_names_position() -> None:
    """A bad key deep in the spec says where it is."""
    with pytest.raises(ValueError, match=r"invalid spec key 'c\.d' under 'a\.b'"):
        parse_config({}, {"a": {"b": {"c.d": Integer}}})


def test_spec_is_checked_even_when_unused() -> None:
    """A broken part of the spec fails even if no configuration key reaches it."""
    with pytest.raises(ValueError, match=r"invalid spec key 'x\.y'"):
        parse_config({}, {"group": DictOf({"x.y": Integer})})


@pytest.mark.parametrize("bad_spec", [42, "Integer", None, [Integer]])
def test_invalid_spec_object_names_key(bad_spec: Any) -> None:
    """A spec value that is neither dict, DictOf nor callable is a TypeError naming the key."""
    with pytest.raises(TypeError, match=r"invalid spec for 'outer\.inner': expected a dict"):
        parse_config({}, {"outer": {"inner": bad_spec}})


def test_non_string_spec_key_is_rejected() -> None:
    """Spec keys must be strings."""
    with pytest.raises(TypeError, match="spec keys must be strings, got 1"):
        parse_config({}, {1: Integer})  # type: ignore[dict-item]


def test_bare_parser_is_rejected_as_whole_spec() -> None:
    """A parser alone cannot be the whole spec: it has no key to read."""
    with pytest.raises(TypeError, match="top-level spec must be a dict or a DictOf"):
        parse_config({"": "1"}, Integer)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad_spec", [42, None, "spec"])
def test_invalid_top_level_spec(bad_spec: Any) -> None:
    """A top-level spec of the wrong type is a TypeError."""
    with pytest.raises(TypeError, match="invalid spec for the top level"):
        parse_config({}, bad_spec)


def test_namespace_attribute_and_item_access() -> None:
    """A namespace is a dict whose keys can be read as attributes."""
    namespace = ConfigNamespace(port=80)

    expected = 80
    assert expected == namespace.port
    assert expected == namespace["port"]
    assert "port" in dir(namespace)


def test_namespace_missing_attribute() -> None:
    """Reading an unknown attribute raises AttributeError listing the keys."""
    namespace = ConfigNamespace(port=80)

    with pytest.raises(AttributeError, match=r"configuration has no key 'host'; .*\['port'\]"):
        _ = namespace.host


def test_namespace_rejects_attribute_assignment() -> None:
    """Attributes cannot be assigned, so they cannot drift apart from the keys."""
    namespace = ConfigNamespace(port=80)

    with pytest.raises(AttributeError):
        namespace.port = 81  # type: ignore[attr-defined]


def test_namespace_copies_and_pickles() -> None:
    """Namespaces survive copy, deepcopy and pickle with their type."""
    cfg = parse_config({"a.b": "1"}, {"a": {"b": Integer}})

    for clone in (copy.copy(cfg), copy.deepcopy(cfg), pickle.loads(pickle.dumps(cfg))):
        assert cfg == clone
        assert isinstance(clone, ConfigNamespace)
        assert isinstance(clone.a, ConfigNamespace)


def test_dictof_parser() -> None:
    """DictOf(parser) collects every key under the prefix, in order."""
    raw = {"limits.a": "1", "limits.b": "2", "limitsx": "9", "other.c": "3"}

    cfg = parse_config(raw, {"limits": DictOf(Integer)})

    expected = {"a": 1, "b": 2}
    assert expected == cfg.limits
    assert list(expected) == list(cfg.limits)
    assert isinstance(cfg.limits, ConfigNamespace)


def test_dictof_empty() -> None:
    """With no keys under the prefix, the result is an empty mapping."""
    cfg = parse_config({"x": "1"}, {"limits": DictOf(Integer)})

    expected: dict[str, int] = {}
    assert expected == cfg.limits


def test_dictof_nested_spec() -> None:
    """Each entry of a DictOf may be a nested spec with several keys."""
    raw = {"db.main.host": "a", "db.main.port": "1", "db.replica.host": "b"}
    spec = {"db": DictOf({"host": String, "port": Optional(Integer)})}

    cfg = parse_config(raw, spec)

    expected: dict[str, dict[str, Any]] = {
        "main": {"host": "a", "port": 1},
        "replica": {"host": "b", "port": None},
    }
    assert expected == cfg.db
    assert expected["replica"]["host"] == cfg.db.replica.host


def test_dictof_of_dictof() -> None:
    """DictOf can nest inside DictOf."""
    raw = {"acl.alice.read": "true", "acl.alice.write": "false", "acl.bob.read": "true"}

    cfg = parse_config(raw, {"acl": DictOf(DictOf(Boolean))})

    expected = {"alice": {"read": True, "write": False}, "bob": {"read": True}}
    assert expected == cfg.acl


def test_dictof_at_root() -> None:
    """DictOf can be the whole spec, taking in every key."""
    cfg = parse_config({"a": "1", "b": "2"}, DictOf(Integer))

    expected = {"a": 1, "b": 2}
    assert expected == cfg
    assert isinstance(cfg, ConfigNamespace)


def test_dictof_error_names_full_key() -> None:
    """A bad value inside a DictOf is reported under its full dotted key."""
    with pytest.raises(ConfigurationError, match=r"^limits\.b: expected a whole number, got 'x'$"):
        parse_config({"limits.a": "1", "limits.b": "x"}, {"limits": DictOf(Integer)})


def test_dictof_entry_with_deeper_keys_only() -> None:
    """An entry whose keys go deeper than its parser expects reads its own key as missing."""
    with pytest.raises(ConfigurationError, match=r"^limits\.a: expected a whole number, got ''$"):
        parse_config({"limits.a.b": "1"}, {"limits": DictOf(Integer)})


def test_dictof_ignores_empty_segments() -> None:
    """Keys with an empty segment right after the prefix contribute no entry."""
    cfg = parse_config({"limits..a": "1", "limits.b": "2"}, {"limits": DictOf(Integer)})

    expected = {"b": 2}
    assert expected == cfg.limits


def test_dictof_validates_spec() -> None:
    """DictOf checks its spec when it is made."""
    with pytest.raises(TypeError, match="invalid spec for '<name>'"):
        DictOf(42)  # type: ignore[arg-type]


def test_dictof_repr_and_spec() -> None:
    """DictOf shows its spec in its repr and exposes it."""
    group = DictOf(Integer)

    assert group.spec is Integer
    assert repr(group).startswith("DictOf(<function Integer")


@pytest.mark.parametrize("prefix", ["example_service.", "example_service"])
def test_prefix_reads_keys_under_it(prefix: str) -> None:
    """With a prefix, spec keys are read under it, and other keys are ignored."""
    raw = {"example_service.size": "3", "example_service.tls.enabled": "true", "size": "99"}

    cfg = parse_config(raw, {"size": Integer, "tls": {"enabled": Boolean}}, prefix=prefix)

    assert cfg.size == 3
    assert cfg.tls.enabled is True


def test_prefix_error_names_the_full_key() -> None:
    """An error under a prefix names the key as written in the file."""
    with pytest.raises(ConfigurationError) as info:
        parse_config({"a.b.size": "many"}, {"size": Integer}, prefix="a.b.")

    assert info.value.key == "a.b.size"


def test_prefix_with_dictof() -> None:
    """A DictOf spec under a prefix collects that prefix's groups."""
    raw = {"pools.main.size": "1", "pools.spare.size": "2", "other.size": "3"}

    cfg = parse_config(raw, DictOf({"size": Integer}), prefix="pools.")

    expected = {"main": {"size": 1}, "spare": {"size": 2}}
    assert expected == cfg
