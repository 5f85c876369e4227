"""Tests for how baseplate-core installs: a namespace portion needing only the stdlib."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_baseplate_is_a_namespace_package():
    """`baseplate` has no __init__: it is a PEP 420 namespace shared by the distributions."""
    import baseplate

    assert baseplate.__file__ is None
    assert not hasattr(baseplate, "Baseplate")


def test_core_imports_only_the_standard_library():
    """Importing baseplate.core and its logging observer loads no third-party module."""
    script = textwrap.dedent(
        """
        import sys
        before = set(sys.modules)
        import baseplate.core, baseplate.core.testing, baseplate.diagnostics.logging
        loaded = {name.split(".")[0] for name in set(sys.modules) - before}
        print(sorted(loaded - set(sys.stdlib_module_names) - {"baseplate"}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
