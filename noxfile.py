"""The project's sessions. Every one works from a fresh clone.

- ``tests(package=...)``: one per distribution, each in its own virtualenv holding only that
  package (built as a wheel, not editable), its declared dependencies from pdm.lock, the shared
  ``test`` group and the package's own ``test-<package>`` group if it has one. A package that
  imports a sibling it does not declare fails here.
- ``lint`` (ruff), ``typecheck`` (mypy strict on every ``src/``), ``docs`` (Sphinx, warnings
  are errors), ``build`` (a wheel per package, contents checked), ``checks`` (lock freshness,
  the repository's rules in ``tools/check_repo.py``, the generated Thrift code), ``bench``
  (benchmarks; not part of the gate), ``fuzz`` (the property tests of the parsers of
  untrusted input at 10,000 examples each; not part of the gate, which runs a few hundred).

The README's demo is ``tools/demo.sh``, not a session: it serves until stopped.
"""

from __future__ import annotations

import os
import pathlib
import tomllib

import nox

ROOT = pathlib.Path(__file__).parent
PACKAGES = sorted(p.parent.name for p in ROOT.glob("packages/*/pyproject.toml"))
ROOT_GROUPS = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]

nox.options.default_venv_backend = "venv"
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["lint", "typecheck", "checks", "build", "docs", "tests"]
# pdm then installs into the active nox virtualenv and never writes .pdm-python.
os.environ["PDM_IGNORE_SAVED_PYTHON"] = "1"
os.environ.setdefault("PDM_CHECK_UPDATE", "false")
# Parallel installs of several local packages occasionally fail one build and retry it
# (seen here); serial installs cost a second or two per session and never flake.
os.environ.setdefault("PDM_INSTALL_PARALLEL", "false")


def _sync(session: nox.Session, *groups: str, editable: bool = False) -> None:
    args = ["pdm", "sync", "--no-default", "--clean"]
    for group in groups:
        args += ["-G", group]
    if not editable:
        args.append("--no-editable")
    session.run_install(*args, external=True)


@nox.session(python="3.11")
@nox.parametrize("package", PACKAGES)
def tests(session: nox.Session, package: str) -> None:
    """Run one package's tests in an environment holding only it and its dependencies."""
    groups = [f"pkg-{package}", "test"]
    if f"test-{package}" in ROOT_GROUPS:
        groups.append(f"test-{package}")
    _sync(session, *groups)
    args = session.posargs or ["-q"]
    session.run("python", "-m", "pytest", f"packages/{package}/tests", *args)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """Lint and check formatting with ruff."""
    _sync(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python="3.11")
def typecheck(session: nox.Session) -> None:
    """Type-check every package's src/ with mypy --strict, all packages installed."""
    _sync(session, "pkg-suite", "typecheck", editable=True)
    # Every package's src/ (the suite has none; tools/check_repo.py fails a package without).
    session.run("mypy", *sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("packages/*/src")))


@nox.session(python="3.11")
def checks(session: nox.Session) -> None:
    """Lock freshness, the repository's rules, generated Thrift code and docs inventories."""
    session.run("pdm", "lock", "--check", external=True)
    # The public-names rules import every public module: install every package, editable.
    _sync(session, "pkg-suite", editable=True)
    session.run("python", "tools/check_repo.py")
    session.run("python", "tools/check_thrift_generated.py")
    session.run("python", "tools/docs_inventories.py", "--check")


@nox.session(python="3.11")
def build(session: nox.Session) -> None:
    """Build a wheel per package and check what each one holds."""
    session.install("build==1.3.0")
    dist = ROOT / "dist"
    if dist.exists():
        for old in dist.iterdir():
            old.unlink()
    for package in PACKAGES:
        session.run(
            "python", "-m", "build", "--wheel", "--outdir", str(dist), f"packages/{package}"
        )
    session.run("python", "tools/check_wheels.py", str(dist))
    session.run("python", "tools/check_install.py", str(dist))


@nox.session(python="3.11")
def docs(session: nox.Session) -> None:
    """Build the documentation; any Sphinx warning fails the build."""
    _sync(session, "pkg-suite", "docs", editable=True)
    session.run(
        "sphinx-build", "-W", "--keep-going", "-q", "-b", "html", "docs", "docs/_build/html"
    )


@nox.session(python="3.11")
def fuzz(session: nox.Session) -> None:
    """Run every ``test_fuzz_*.py`` with the ``fuzz`` hypothesis profile (not in the gate).

    Each parser of untrusted input (the THeader frame reader, the trace headers, the config
    parsers, the statsd name sanitizer) gets 10,000 examples; the gate's ``tests`` sessions
    run the same tests with a few hundred (``BASEPLATE_FUZZ_PROFILE``, see
    ``tools/testing/baseplate_testing.py``).
    """
    files = sorted(ROOT.glob("packages/*/tests/test_fuzz_*.py"))
    packages = sorted({path.parents[1].name for path in files})
    _sync(session, *(f"pkg-{package}" for package in packages), "test")
    args = session.posargs or ["-q", "--hypothesis-show-statistics"]
    session.run(
        "python",
        "-m",
        "pytest",
        *(str(path.relative_to(ROOT)) for path in files),
        *args,
        env={"BASEPLATE_FUZZ_PROFILE": "fuzz"},
    )


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Run the benchmarks in benchmarks/ (not part of the test gate)."""
    _sync(session, "pkg-suite", "bench", "test")
    session.run("bash", "tools/install-bench-deps.sh", external=True)
    for script in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        session.run("python", str(script), *session.posargs)
