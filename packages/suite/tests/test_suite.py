"""Tests for baseplate-suite: the matched set it pins really installs and imports."""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
import re

import pytest

SUITE = metadata.distribution("baseplate-suite")


def _pinned() -> dict[str, str]:
    pins = {}
    for requirement in SUITE.requires or []:
        match = re.match(r"(baseplate-[a-z-]+)\s*==\s*([^\s;]+)", requirement)
        if match:
            pins[match.group(1)] = match.group(2)
    return pins


def test_every_pin_is_the_suite_version():
    """The suite pins each distribution to exactly its own version."""
    pins = _pinned()
    assert {"baseplate-core", "baseplate-config"} <= set(pins)
    assert set(pins.values()) == {SUITE.version}


def test_all_extra_names_every_other_extra():
    """The `all` extra brings in every optional piece."""
    extras = set(SUITE.metadata.get_all("Provides-Extra") or [])
    assert "all" in extras
    all_requirements = [r for r in SUITE.requires or [] if 'extra == "all"' in r]
    named = set()
    for requirement in all_requirements:
        named |= (
            set(re.search(r"\[(.*)\]", requirement).group(1).split(","))
            if "[" in requirement
            else set()
        )
    assert named == extras - {"all"}


@pytest.mark.parametrize("distribution", sorted(_pinned()))
def test_pinned_distribution_is_installed_at_that_version(distribution):
    """Installing baseplate-suite[all] installs each pinned distribution at the pinned version."""
    assert metadata.version(distribution) == _pinned()[distribution]


@pytest.mark.parametrize("distribution", sorted(_pinned()))
def test_pinned_distribution_modules_import(distribution):
    """Every module a pinned distribution ships imports in the combined environment."""
    files = metadata.files(distribution) or []
    modules = sorted(
        {
            ".".join(f.parts[:-1])
            for f in files
            if f.parts[0] == "baseplate" and f.name == "__init__.py" and "tests" not in f.parts
        }
    )
    assert modules, f"{distribution} ships no modules"
    for module in modules:
        importlib.import_module(module)
