"""Tests for the package's public surface."""

from __future__ import annotations

import baseplate
import baseplate.config


def test_baseplate_is_a_namespace_package() -> None:
    """No distribution may own baseplate/__init__.py (PEP 420 namespace)."""
    assert getattr(baseplate, "__file__", None) is None


def test_all_lists_every_public_name() -> None:
    """__all__ is sorted, and names exactly the public attributes of the package."""
    public = {
        name
        for name in vars(baseplate.config)
        if not name.startswith("_") and name not in {"annotations", "types", "TypeAlias"}
    }

    assert sorted(baseplate.config.__all__) == baseplate.config.__all__
    assert public == set(baseplate.config.__all__)


def test_public_objects_report_public_module() -> None:
    """Classes and functions present themselves as baseplate.config, not a private module."""
    for name in baseplate.config.__all__:
        obj = getattr(baseplate.config, name)
        if isinstance(obj, type) or (callable(obj) and hasattr(obj, "__code__")):
            expected = "baseplate.config"
            assert expected == obj.__module__, name
