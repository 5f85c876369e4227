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


def test_public_names_report_baseplate_core_as_their_module():
    """Every class and function in __all__ says it lives in baseplate.core, not a _module."""
    import types

    import baseplate.core

    checked = []
    for name in baseplate.core.__all__:
        public = getattr(baseplate.core, name)
        if isinstance(public, type | types.FunctionType):
            assert public.__module__ == "baseplate.core", name
            checked.append(name)
    assert {"Baseplate", "Span", "WarningLimiter", "ObserverPlugin", "format_traceparent"} <= set(
        checked
    )


def test_errors_pickle_under_their_public_names():
    """An error crossing a process boundary is rebuilt from its public name."""
    import pickle

    from baseplate.core import MissingDistributionError, ParentSpanAlreadyFinishedError

    missing = pickle.loads(pickle.dumps(MissingDistributionError("a feature", "baseplate-x")))
    assert (missing.feature, missing.distribution) == ("a feature", "baseplate-x")
    finished = pickle.loads(pickle.dumps(ParentSpanAlreadyFinishedError("parent", "child")))
    assert str(finished) == str(ParentSpanAlreadyFinishedError("parent", "child"))
    assert b"baseplate.core._errors" not in pickle.dumps(missing)
