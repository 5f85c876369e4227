"""Check the repository's structural rules (run by ``nox -s checks``).

1. No ``__init__.py`` at the namespace levels (``baseplate/``, ``baseplate/context/``,
   ``baseplate/integration/``, ``baseplate/diagnostics/``).
2. Each ``packages/<short>`` is the distribution ``baseplate-<short>``, has a README, tests, a
   docs page listed in ``docs/index.rst``, and ``py.typed`` in every module it owns.
3. Every ``baseplate.X`` import in a package's ``src/`` is the package's own module or one
   owned by a distribution it declares (deptry cannot see inside a namespace package).
4. Lockstep versions: every package has the same version, siblings are required with a range
   that admits it, and ``baseplate-suite`` pins every package ``==`` that version, as a base
   dependency or an extra, with ``all`` naming every extra.
5. The root has a ``pkg-<short>`` dependency group per package and lists every ``src/`` in
   mypy's ``mypy_path``.

Prints one line per problem and exits 1 if there is any.
"""

from __future__ import annotations

import ast
import pathlib
import re
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
NAMESPACE_LEVELS = ("", "context", "integration", "diagnostics")
SUITE = "suite"


def _requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return match.group(1).lower().replace("_", "-") if match else requirement


def _owned_modules(src: pathlib.Path) -> list[str]:
    """Return the top-level modules a package ships below the namespace levels."""
    owned = []
    for level in NAMESPACE_LEVELS:
        base = src / "baseplate" / level if level else src / "baseplate"
        if not base.is_dir():
            continue
        prefix = "baseplate." + (level + "." if level else "")
        for child in sorted(base.iterdir()):
            if child.is_dir() and (child / "__init__.py").exists():
                owned.append(prefix + child.name)
            elif child.suffix == ".py":
                owned.append(prefix + child.stem)
    return owned


def _imports(path: pathlib.Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return [(line, name) for line, name in found if name.startswith("baseplate.")]


def main() -> int:
    problems: list[str] = []
    packages = sorted(p.parent for p in ROOT.glob("packages/*/pyproject.toml"))
    meta = {p.name: tomllib.loads((p / "pyproject.toml").read_text())["project"] for p in packages}
    owner: dict[str, str] = {}
    for package in packages:
        for module in _owned_modules(package / "src"):
            if module in owner:
                problems.append(f"{module} is shipped by both {owner[module]} and {package.name}")
            owner[module] = package.name

    for package in packages:
        short, project = package.name, meta[package.name]
        rel = package.relative_to(ROOT)
        if project["name"] != f"baseplate-{short}":
            problems.append(f"{rel}: distribution must be named baseplate-{short}")
        if not (package / "README.md").exists():
            problems.append(f"{rel}: has no README.md")
        if not list((package / "tests").glob("test_*.py")):
            problems.append(f"{rel}: has no tests/test_*.py")
        doc = ROOT / "docs" / f"{short}.rst"
        if not doc.exists():
            problems.append(f"{rel}: has no docs page docs/{short}.rst")
        for level in NAMESPACE_LEVELS:
            init = package / "src" / "baseplate" / level / "__init__.py"
            if init.exists():
                problems.append(
                    f"{init.relative_to(ROOT)}: namespace levels must have no __init__.py"
                )
        if short == SUITE:
            continue
        modules = [m for m, o in owner.items() if o == short]
        if not modules:
            problems.append(f"{rel}: ships no module under src/baseplate")
        for module in modules:
            module_dir = package / "src" / pathlib.Path(*module.split("."))
            if module_dir.is_dir() and not (module_dir / "py.typed").exists():
                problems.append(f"{rel}: {module} has no py.typed")
        declared = {_requirement_name(r) for r in project.get("dependencies", [])}
        for extra in project.get("optional-dependencies", {}).values():
            declared |= {_requirement_name(r) for r in extra}
        for path in sorted((package / "src").rglob("*.py")):
            for line, name in _imports(path):
                parts = name.split(".")
                candidates = [".".join(parts[:i]) for i in range(len(parts), 1, -1)]
                module_owner = next((owner[c] for c in candidates if c in owner), None)
                if module_owner is None or module_owner == short:
                    continue
                if f"baseplate-{module_owner}" not in declared:
                    problems.append(
                        f"{path.relative_to(ROOT)}:{line}: imports {name} but baseplate-{short} "
                        f"does not declare baseplate-{module_owner}"
                    )

    versions = {project["version"] for project in meta.values()}
    if len(versions) != 1:
        problems.append(f"versions differ: { {s: p['version'] for s, p in meta.items()} }")
    version = meta.get("core", next(iter(meta.values())))["version"]
    major, minor = version.split(".")[:2]
    sibling_range = f">={major}.{minor},<{major}.{int(minor) + 1}"
    for short, project in meta.items():
        requirements = list(project.get("dependencies", []))
        for extra in project.get("optional-dependencies", {}).values():
            requirements += extra
        for requirement in requirements:
            name = _requirement_name(requirement)
            if not name.startswith("baseplate-") or short == SUITE:
                continue
            if name.removeprefix("baseplate-") not in meta:
                problems.append(f"packages/{short}: requires unknown sibling {name}")
            elif sibling_range not in requirement.replace(" ", ""):
                problems.append(
                    f"packages/{short}: requires {requirement!r}; use '{name}{sibling_range}'"
                )

    if SUITE in meta:
        suite = meta[SUITE]
        pins: dict[str, str] = {}
        for requirement in suite.get("dependencies", []):
            pins[_requirement_name(requirement)] = requirement
        extras = suite.get("optional-dependencies", {})
        for name, requirements in extras.items():
            if name == "all":
                continue
            for requirement in requirements:
                pins[_requirement_name(requirement)] = requirement
        for short in meta:
            if short == SUITE:
                continue
            requirement = pins.get(f"baseplate-{short}")
            if requirement is None:
                problems.append(f"packages/suite: does not offer baseplate-{short}")
            elif (
                re.sub(r"\[.*\]", "", requirement.replace(" ", ""))
                != f"baseplate-{short}=={version}"
            ):
                problems.append(f"packages/suite: pins {requirement!r}, expected =={version}")
        wanted_all = sorted(name for name in extras if name != "all")
        have_all = extras.get("all", [])
        expected_all = [f"baseplate-suite[{','.join(wanted_all)}]"] if wanted_all else []
        if have_all != expected_all:
            problems.append(f"packages/suite: extra 'all' must be {expected_all}, is {have_all}")

    root = tomllib.loads((ROOT / "pyproject.toml").read_text())
    groups = root.get("dependency-groups", {})
    mypy_path = root.get("tool", {}).get("mypy", {}).get("mypy_path", [])
    for short in meta:
        if f"pkg-{short}" not in groups:
            problems.append(f"pyproject.toml: no dependency group pkg-{short}")
        src = f"packages/{short}/src"
        if (ROOT / src).is_dir() and src not in mypy_path:
            problems.append(f"pyproject.toml: [tool.mypy] mypy_path lacks {src!r}")
    index = (
        (ROOT / "docs" / "index.rst").read_text() if (ROOT / "docs" / "index.rst").exists() else ""
    )
    for short in meta:
        if not re.search(rf"^\s+{re.escape(short)}$", index, re.MULTILINE):
            problems.append(f"docs/index.rst: the toctree does not list {short}")

    for problem in problems:
        print(problem)
    if not problems:
        print(f"repository checks passed ({len(meta)} packages, version {version})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
