"""Tests for import paths: ImportPath, import_object and ImportPathError."""

from __future__ import annotations

import collections
import json
import os.path
import pickle
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from baseplate.config import (
    ConfigurationError,
    ImportPath,
    ImportPathError,
    import_object,
    parse_config,
)


@pytest.fixture
def modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory on sys.path for test modules, which are forgotten again afterwards."""
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("os.path:join", os.path.join),
        ("os:path.join", os.path.join),
        ("collections:OrderedDict.fromkeys", collections.OrderedDict.fromkeys),
        ("collections.OrderedDict", collections.OrderedDict),
        ("os.path.join", os.path.join),
        ("collections.OrderedDict.fromkeys", collections.OrderedDict.fromkeys),
        ("  json:dumps\n", json.dumps),
    ],
)
def test_import_path_returns_the_object(path: str, expected: object) -> None:
    """module:name (name possibly dotted) and plain dotted names both resolve."""
    assert expected == ImportPath(path)


def test_plain_name_uses_the_longest_importable_module(modules: Path) -> None:
    """In a.b.c, the module is a.b when it exists, even if a also has an attribute b."""
    package = modules / "pkg_longest"
    package.mkdir()
    (package / "__init__.py").write_text("class sub:\n    thing = 'attribute of the package'\n")
    (package / "sub.py").write_text("thing = 'attribute of the submodule'\n")

    expected = "attribute of the submodule"
    assert expected == ImportPath("pkg_longest.sub.thing")


def test_default_attribute_for_a_bare_module() -> None:
    """With a default attribute, a name without a colon is the module."""
    assert json.dumps is import_object("json", default_attribute="dumps")
    assert json.loads is import_object("json:loads", default_attribute="dumps")


@pytest.mark.parametrize(
    "path", ["", "   ", "json", "json:", ":dumps", "json:a..b", "a..b", ".json:dumps", "a:b:c"]
)
def test_malformed_paths_are_refused(path: str) -> None:
    """A path without both a module and a name, or with a part that is not a name, is refused."""
    expected = (
        f"expected an import path like 'package.module:name' or 'package.module.name', got {path!r}"
    )
    with pytest.raises(ImportPathError, match=f"^{re.escape(expected)}$") as info:
        ImportPath(path)
    assert (info.value.missing_module, info.value.missing_attribute) == (None, None)


def test_malformed_path_with_a_default_attribute() -> None:
    """With a default attribute the message shows that the name is optional."""
    with pytest.raises(
        ImportPathError, match=r"^expected an import path like 'package\.module\[:name\]', got ''$"
    ):
        import_object("", default_attribute="make_app")


@pytest.mark.parametrize(
    ("path", "missing"),
    [
        ("no_such_module_xyz:thing", "no_such_module_xyz"),
        ("no_such_module_xyz.thing", "no_such_module_xyz"),
        ("no_such_module_xyz.sub.thing", "no_such_module_xyz"),
        ("no_such_module_xyz.sub:thing", "no_such_module_xyz"),
        ("json.no_such_sub:thing", "json.no_such_sub"),
    ],
)
def test_missing_module_is_named(path: str, missing: str) -> None:
    """The error names the module that does not exist: the one named, or a parent of it."""
    expected = f"cannot import {path!r}: no module named {missing!r}"
    with pytest.raises(ImportPathError) as info:
        ImportPath(path)
    assert expected == str(info.value)
    assert (path, missing, None) == (
        info.value.path,
        info.value.missing_module,
        info.value.missing_attribute,
    )


@pytest.mark.parametrize(
    ("path", "module", "attribute"),
    [
        ("json:no_such_thing", "json", "no_such_thing"),
        ("json.no_such_thing", "json", "no_such_thing"),
        ("os.path:join.nope", "os.path", "join.nope"),
        ("json.decoder.nope.deeper", "json.decoder", "nope.deeper"),
    ],
)
def test_missing_attribute_is_named(path: str, module: str, attribute: str) -> None:
    """The error names the module as written and the attribute path it lacks."""
    expected = f"cannot import {path!r}: module {module!r} has no attribute {attribute!r}"
    with pytest.raises(ImportPathError) as info:
        ImportPath(path)
    assert expected == str(info.value)
    assert (None, attribute) == (info.value.missing_module, info.value.missing_attribute)


@pytest.mark.parametrize("path", ["broken_dep_mod:make_app", "broken_dep_mod.make_app"])
def test_missing_dependency_of_the_module_propagates(modules: Path, path: str) -> None:
    """A module that exists but imports something missing is its bug, not a bad path."""
    (modules / "broken_dep_mod.py").write_text("import not_installed_dependency_xyz\n")
    with pytest.raises(ModuleNotFoundError, match="not_installed_dependency_xyz") as info:
        ImportPath(path)
    assert not isinstance(info.value, ValueError)


def test_missing_sibling_of_the_module_propagates(modules: Path) -> None:
    """A module importing a missing sibling is not reported as missing itself."""
    package = modules / "pkg_sibling"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "sub.py").write_text("import pkg_sibling.missing_sibling\n")
    for path in ("pkg_sibling.sub:thing", "pkg_sibling.sub.thing"):
        with pytest.raises(ModuleNotFoundError, match=r"pkg_sibling\.missing_sibling"):
            ImportPath(path)


def test_other_import_errors_propagate(modules: Path) -> None:
    """An ImportError that is not about a missing module (from x import y) propagates."""
    (modules / "bad_from_import_mod.py").write_text("from json import no_such_name_xyz\n")
    with pytest.raises(ImportError, match="no_such_name_xyz") as info:
        ImportPath("bad_from_import_mod:thing")
    assert ImportError is type(info.value)


def test_import_path_error_is_picklable() -> None:
    """The error survives pickling with its attributes."""
    error = ImportPathError("a.b", "module 'a' has no attribute 'b'", missing_attribute="b")

    copy = pickle.loads(pickle.dumps(error))

    assert (str(error), error.path, error.reason, None, "b") == (
        str(copy),
        copy.path,
        copy.reason,
        copy.missing_module,
        copy.missing_attribute,
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", r"^hooks\.factory: expected an import path like"),
        ("no_such_module_xyz.f", r"^hooks\.factory: cannot import .*no module named"),
        ("json.nope", r"^hooks\.factory: cannot import 'json\.nope': module 'json' has no"),
    ],
)
def test_parse_config_names_the_key(value: str, message: str) -> None:
    """Through parse_config, a bad path is a ConfigurationError naming the key."""
    with pytest.raises(ConfigurationError, match=message):
        parse_config({"hooks.factory": value}, {"hooks": {"factory": ImportPath}})


def test_parse_config_returns_the_object() -> None:
    """A good path parses to the object itself."""
    cfg = parse_config({"factory": "json:dumps"}, {"factory": ImportPath})
    assert json.dumps is cfg.factory
