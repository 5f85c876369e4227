"""Tests for loading ``module:callable`` references (baseplate.server._loader)."""

from __future__ import annotations

import pytest

from baseplate.server import FactoryError
from baseplate.server._loader import load_callable, load_object


def test_module_colon_attribute():
    """module:attribute imports the module and returns the (possibly dotted) attribute."""
    import os.path

    assert os.path.join is load_object("os.path:join", key="k")
    assert os.path.join is load_object("os:path.join", key="k")


def test_default_attribute_for_a_bare_module():
    """With a default attribute, a bare module name loads that attribute."""
    import json

    assert json.dumps is load_object("json", key="k", default_attribute="dumps")


def test_dotted_name_without_default():
    """Without a default, the part after the last dot is the attribute (a class path)."""
    import collections

    assert collections.OrderedDict is load_object("collections.OrderedDict", key="k")


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("", r"\[app:main\] factory = '': expected a reference like 'module:callable'"),
        ("json:", "expected a reference like"),
        ("no_such_module_xyz:make_app", "no module named 'no_such_module_xyz'"),
        ("json.no_such_sub:thing", "no module named 'json.no_such_sub'"),
        ("json:no_such_thing", "module 'json' has no attribute 'no_such_thing'"),
    ],
)
def test_errors_name_the_key_and_reference(reference, message):
    """Bad references are FactoryErrors naming where they were written."""
    with pytest.raises(FactoryError, match=message):
        load_object(reference, key="[app:main] factory")


def test_missing_module_message_says_where_to_look():
    """A module that does not exist is named, with a hint about installing it or the directory."""
    with pytest.raises(FactoryError) as info:
        load_object("no_such_module_xyz.sub:make_app", key="[app:main] factory")
    expected = (
        "[app:main] factory = 'no_such_module_xyz.sub:make_app': no module named "
        "'no_such_module_xyz' (is it installed, or is the current directory the one that holds "
        "it?)"
    )
    assert expected == str(info.value)


def test_import_errors_inside_the_module_propagate(tmp_path, monkeypatch):
    """An import failing inside the named module is the module's bug, not a bad reference."""
    (tmp_path / "broken_mod_for_test.py").write_text("import not_installed_dependency_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="not_installed_dependency_xyz"):
        load_object("broken_mod_for_test:make_app", key="k")


def test_load_callable_rejects_non_callables():
    """load_callable insists on something callable."""
    with pytest.raises(
        FactoryError, match=r"^\[tshell\] setup = 'json:__name__': 'json' is not callable$"
    ):
        load_callable("json:__name__", key="[tshell] setup")
