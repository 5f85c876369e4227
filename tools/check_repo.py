"""Check the repository's structural rules (run by ``nox -s checks``).

Each ``check_*`` function is one rule, and its docstring says the rule: the layout and
dependency rules are here, the public-names rules in ``tools/public_names.py``, and what they
all read in ``tools/repo_model.py``. :func:`main` runs every rule, prints every problem on a
line of its own and exits 1 if there is any.

The public-names rules import every public module, so they need every package installed
editable: ``nox -s checks`` installs them first; by hand, run
``.venv/bin/python tools/check_repo.py``. The other rules only read files. Standard library
only.
"""

from __future__ import annotations

import pathlib
import re
import sys
from collections.abc import Callable

from public_names import (
    check_public_names_documented,
    check_public_names_importable,
    check_public_names_module,
)
from repo_model import (
    ENTRY_POINT,
    NAMESPACE_LEVELS,
    ROOT,
    SUITE,
    Repo,
    imports_of,
    requirement_name,
    top_level_names,
)


def check_single_shipper(repo: Repo) -> list[str]:
    """Each module directly below the namespace levels is shipped by exactly one package."""
    return [
        f"{module} is shipped by {' and '.join(shippers)}"
        for module, shippers in sorted(repo.shippers.items())
        if len(shippers) > 1
    ]


def check_namespace_levels(repo: Repo) -> list[str]:
    """No package has an ``__init__.py`` at a namespace level.

    ``baseplate/``, ``baseplate/context/``, ``baseplate/integration/``,
    ``baseplate/diagnostics/`` and ``baseplate/sidecars/`` are PEP 420 namespaces that every
    distribution shares.
    """
    problems = []
    for package in repo.packages.values():
        for level in NAMESPACE_LEVELS:
            init = package.path / "src" / "baseplate" / level / "__init__.py"
            if init.exists():
                problems.append(
                    f"{init.relative_to(ROOT)}: namespace levels must have no __init__.py"
                )
    return problems


def check_distribution_names(repo: Repo) -> list[str]:
    """``packages/<short>`` is the distribution ``baseplate-<short>``."""
    return [
        f"{package.rel}: distribution must be named baseplate-{short}"
        for short, package in repo.packages.items()
        if package.project["name"] != f"baseplate-{short}"
    ]


def check_package_files(repo: Repo) -> list[str]:
    """Each package has a README.md, tests/test_*.py and a page docs/<short>.rst in the index.

    The page must be listed in the toctree of ``docs/index.rst``.
    """
    problems = []
    index_page = ROOT / "docs" / "index.rst"
    index = index_page.read_text() if index_page.exists() else ""
    for short, package in repo.packages.items():
        if not (package.path / "README.md").exists():
            problems.append(f"{package.rel}: has no README.md")
        if not list((package.path / "tests").glob("test_*.py")):
            problems.append(f"{package.rel}: has no tests/test_*.py")
        if not (ROOT / "docs" / f"{short}.rst").exists():
            problems.append(f"{package.rel}: has no docs page docs/{short}.rst")
        if not re.search(rf"^\s+{re.escape(short)}$", index, re.MULTILINE):
            problems.append(f"docs/index.rst: the toctree does not list {short}")
    return problems


def check_typed_modules(repo: Repo) -> list[str]:
    """Every package but the suite ships modules under src/baseplate, each with a py.typed."""
    problems = []
    for short, package in repo.packages.items():
        if short == SUITE:
            continue
        tops = [m for m, shippers in repo.shippers.items() if short in shippers]
        if not tops:
            problems.append(f"{package.rel}: ships no module under src/baseplate")
        for module in tops:
            module_dir = package.path / "src" / pathlib.Path(*module.split("."))
            if module_dir.is_dir() and not (module_dir / "py.typed").exists():
                problems.append(f"{package.rel}: {module} has no py.typed")
    return problems


def check_entry_points(repo: Repo) -> list[str]:
    """Every entry point names ``module:attribute`` of a module this repository ships.

    That covers ``[project.scripts]``, ``[project.gui-scripts]`` and every
    ``[project.entry-points.<group>]`` table; the module's top level must define the
    attribute. Whose module it may be is :func:`check_declared_imports`'s rule.
    """
    problems = []
    for package in repo.packages.values():
        for group, name, value in package.entry_points():
            where = f"{package.rel}/pyproject.toml: entry point {name!r} ({group})"
            match = ENTRY_POINT.fullmatch(value)
            if not match or not match["attr"]:
                problems.append(f"{where}: {value!r} is not of the form 'module:attribute'")
            elif match["module"] not in repo.modules:
                problems.append(f"{where}: no package here ships module {match['module']}")
            else:
                module = repo.modules[match["module"]]
                if match["attr"].split(".")[0] not in top_level_names(module.tree):
                    problems.append(
                        f"{where}: {module.path.relative_to(ROOT)} defines no {match['attr']}"
                    )
    return problems


def check_declared_imports(repo: Repo) -> list[str]:
    """A package uses only its own ``baseplate`` modules and those of packages it declares.

    Every ``baseplate.X`` that a module of its ``src/`` imports must be its own or owned by a
    distribution it depends on, in its base dependencies or an extra (an extra's integration
    is imported where it is used). Every entry point's module counts as an import too, and
    needs a base dependency: whoever loads an entry point does not ask for an extra. Tools
    such as deptry cannot see inside a namespace package, hence this rule.
    """
    problems = []
    for short, package in repo.packages.items():
        uses: list[tuple[str, str, bool]] = []
        for module in repo.modules.values():
            if module.package == short:
                rel = module.path.relative_to(ROOT)
                uses += [(f"{rel}:{line}", name, True) for line, name in imports_of(module)]
        for group, name, value in package.entry_points():
            match = ENTRY_POINT.fullmatch(value)
            if match and match["module"].startswith("baseplate."):
                where = f"{package.rel}/pyproject.toml: entry point {name!r} ({group})"
                uses.append((where, match["module"], False))
        for where, name, extras in uses:
            owner = repo.owner(name)
            if owner is None or owner == short:
                continue
            if f"baseplate-{owner}" not in package.declared(extras=extras):
                dependency = "depend on" if extras else "have a base dependency on"
                problems.append(
                    f"{where}: uses {name} but baseplate-{short} does not {dependency} "
                    f"baseplate-{owner}"
                )
    return problems


def check_lockstep_versions(repo: Repo) -> list[str]:
    """Every package has the same version and requires its siblings with that minor series.

    A sibling requirement must read ``baseplate-<short>>=X.Y,<X.Y+1`` (the suite pins ``==``
    instead: :func:`check_suite_pins`).
    """
    problems = []
    versions = {short: package.project["version"] for short, package in repo.packages.items()}
    if len(set(versions.values())) != 1:
        problems.append(f"versions differ: {versions}")
    major, minor = repo.version.split(".")[:2]
    sibling_range = f">={major}.{minor},<{major}.{int(minor) + 1}"
    for short, package in repo.packages.items():
        if short == SUITE:
            continue
        for requirement in package.requirements():
            name = requirement_name(requirement)
            if not name.startswith("baseplate-"):
                continue
            if name.removeprefix("baseplate-") not in repo.packages:
                problems.append(f"packages/{short}: requires unknown sibling {name}")
            elif sibling_range not in requirement.replace(" ", ""):
                problems.append(
                    f"packages/{short}: requires {requirement!r}; use '{name}{sibling_range}'"
                )
    return problems


def check_suite_pins(repo: Repo) -> list[str]:
    """``baseplate-suite`` pins every package ``==`` the version and ``all`` names each extra.

    A package is pinned as a base dependency or in an extra; the extra ``all`` is exactly
    ``baseplate-suite[<every other extra>]``.
    """
    suite = repo.packages.get(SUITE)
    if suite is None:
        return []
    problems = []
    pins = {requirement_name(r): r for r in suite.project.get("dependencies", [])}
    extras = suite.project.get("optional-dependencies", {})
    for name, requirements in extras.items():
        if name != "all":
            pins |= {requirement_name(r): r for r in requirements}
    for short in repo.packages:
        if short == SUITE:
            continue
        requirement = pins.get(f"baseplate-{short}")
        if requirement is None:
            problems.append(f"packages/suite: does not offer baseplate-{short}")
        elif (
            re.sub(r"\[.*\]", "", requirement.replace(" ", ""))
            != f"baseplate-{short}=={repo.version}"
        ):
            problems.append(f"packages/suite: pins {requirement!r}, expected =={repo.version}")
    wanted = sorted(name for name in extras if name != "all")
    expected = [f"baseplate-suite[{','.join(wanted)}]"] if wanted else []
    if extras.get("all", []) != expected:
        problems.append(f"packages/suite: extra 'all' must be {expected}, is {extras.get('all')}")
    return problems


def check_dependency_groups(repo: Repo) -> list[str]:
    """The root has a dependency group ``pkg-<short>`` per package (``nox -s tests`` uses it)."""
    groups = repo.root.get("dependency-groups", {})
    return [
        f"pyproject.toml: no dependency group pkg-{short}"
        for short in repo.packages
        if f"pkg-{short}" not in groups
    ]


def check_mypy_path(repo: Repo) -> list[str]:
    """The root's ``[tool.mypy] mypy_path`` lists every package's ``src/``."""
    mypy_path = repo.root.get("tool", {}).get("mypy", {}).get("mypy_path", [])
    return [
        f"pyproject.toml: [tool.mypy] mypy_path lacks {src!r}"
        for src in (f"packages/{short}/src" for short in repo.packages)
        if (ROOT / src).is_dir() and src not in mypy_path
    ]


RULES: tuple[Callable[[Repo], list[str]], ...] = (
    check_single_shipper,
    check_namespace_levels,
    check_distribution_names,
    check_package_files,
    check_typed_modules,
    check_entry_points,
    check_declared_imports,
    check_lockstep_versions,
    check_suite_pins,
    check_dependency_groups,
    check_mypy_path,
    check_public_names_importable,
    check_public_names_documented,
    check_public_names_module,
)


def main() -> int:
    repo = Repo.load()
    problems = []
    for rule in RULES:
        try:
            problems += rule(repo)
        except Exception as exc:  # one broken rule must not hide the others
            problems.append(f"{rule.__name__} could not run: {exc!r}")
    for problem in problems:
        print(problem)
    if not problems:
        print(
            f"repository checks passed ({len(RULES)} rules, {len(repo.packages)} packages, "
            f"version {repo.version})"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
