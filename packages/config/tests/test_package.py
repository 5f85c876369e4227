"""Tests for the package's place in the namespace.

Its public names (``__all__`` importable, documented, reporting ``baseplate.config`` as their
module) are checked with every other package's by ``tools/check_repo.py``.
"""

from __future__ import annotations

import baseplate


def test_baseplate_is_a_namespace_package() -> None:
    """No distribution may own baseplate/__init__.py (PEP 420 namespace)."""
    assert getattr(baseplate, "__file__", None) is None
