"""What the rules of tools/check_repo.py read: the packages, their modules and imports."""

from __future__ import annotations

import ast
import dataclasses
import functools
import pathlib
import re
import tomllib
from collections.abc import Iterator
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
NAMESPACE_LEVELS = ("", "context", "integration", "diagnostics", "sidecars")
SUITE = "suite"
# An entry point's value: ``module:attribute``, perhaps with extras in brackets.
ENTRY_POINT = re.compile(r"\s*(?P<module>[\w.]+)\s*(?::\s*(?P<attr>[\w.]+))?\s*(?:\[.*\])?\s*")


def requirement_name(requirement: str) -> str:
    """Return a requirement's distribution name, normalized (``Foo_Bar>=1`` is ``foo-bar``)."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return match.group(1).lower().replace("_", "-") if match else requirement


@dataclasses.dataclass(frozen=True)
class Package:
    """One ``packages/<short>`` directory and its ``[project]`` table."""

    short: str
    path: pathlib.Path
    project: dict[str, Any]

    @property
    def rel(self) -> str:
        return str(self.path.relative_to(ROOT))

    def requirements(self, *, extras: bool = True) -> list[str]:
        found = list(self.project.get("dependencies", []))
        if extras:
            for requirements in self.project.get("optional-dependencies", {}).values():
                found += requirements
        return found

    def declared(self, *, extras: bool = True) -> set[str]:
        return {requirement_name(r) for r in self.requirements(extras=extras)}

    def entry_points(self) -> Iterator[tuple[str, str, str]]:
        """Yield ``(group, name, value)`` for the scripts and every entry-point group."""
        groups = dict(self.project.get("entry-points", {}))
        groups["console_scripts"] = self.project.get("scripts", {})
        groups["gui_scripts"] = self.project.get("gui-scripts", {})
        for group, entries in sorted(groups.items()):
            for name, value in sorted(entries.items()):
                yield group, name, value


@dataclasses.dataclass(frozen=True)
class Module:
    """A ``baseplate.*`` module some package's ``src/`` holds."""

    name: str
    package: str
    path: pathlib.Path

    @property
    def public(self) -> bool:
        return not any(part.startswith("_") for part in self.name.split("."))

    @functools.cached_property
    def tree(self) -> ast.Module:
        return ast.parse(self.path.read_text(), str(self.path))


@dataclasses.dataclass(frozen=True, eq=False)
class Repo:
    """What the rules look at, read once."""

    packages: dict[str, Package]
    modules: dict[str, Module]
    # Each top-level module below the namespace levels, with every package that ships it.
    shippers: dict[str, list[str]]
    root: dict[str, Any]

    @classmethod
    def load(cls) -> Repo:
        packages, modules, shippers = {}, {}, {}
        for pyproject in sorted(ROOT.glob("packages/*/pyproject.toml")):
            path = pyproject.parent
            project = tomllib.loads(pyproject.read_text())["project"]
            packages[path.name] = Package(path.name, path, project)
            src = path / "src"
            for top in _top_level_modules(src):
                shippers.setdefault(top, []).append(path.name)
            for file in sorted((src / "baseplate").rglob("*.py")):
                parts = file.relative_to(src).with_suffix("").parts
                name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
                modules[name] = Module(name, path.name, file)
        root = tomllib.loads((ROOT / "pyproject.toml").read_text())
        return cls(packages, modules, shippers, root)

    @property
    def version(self) -> str:
        first = next(iter(self.packages.values()))
        return str(self.packages.get("core", first).project["version"])

    def owner(self, module: str) -> str | None:
        """Return the package that ships ``module`` (or the module it is part of)."""
        parts = module.split(".")
        for end in range(len(parts), 1, -1):
            shippers = self.shippers.get(".".join(parts[:end]))
            if shippers:
                return shippers[0]
        return None


def _top_level_modules(src: pathlib.Path) -> list[str]:
    """Return the modules a package ships directly below the namespace levels."""
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


def imports_of(module: Module) -> Iterator[tuple[int, str]]:
    """Yield ``(line, name)`` for every ``baseplate.*`` name the module imports."""
    package = module.name if module.path.name == "__init__.py" else module.name.rpartition(".")[0]
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        yield from ((node.lineno, name) for name in names if name.startswith("baseplate."))


def top_level_names(tree: ast.Module) -> set[str]:
    """Return the names a module binds at its top level (definitions, assignments, imports)."""
    bound: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return bound


def borrowed_names(module: Module) -> set[str]:
    """Return the top-level names a module imports from other than its private submodules."""
    names: set[str] = set()
    for node in module.tree.body:
        if isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level or source.startswith(f"{module.name}._"):
                continue
            names |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return names
