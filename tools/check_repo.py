"""Check the repository's structural rules (run by ``nox -s checks``).

Each ``check_*`` function is one rule, and its docstring says the rule. :func:`main` runs them
all, prints every problem on a line of its own and exits 1 if there is any.

The public-names rules import every public module, so they need every package installed
editable: ``nox -s checks`` installs them first; by hand, run
``.venv/bin/python tools/check_repo.py``. The other rules only read files. Standard library
only.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib
import inspect
import pathlib
import re
import sys
import tomllib
import types
import warnings
from collections.abc import Callable, Iterator
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
NAMESPACE_LEVELS = ("", "context", "integration", "diagnostics")
SUITE = "suite"
# The docs/ directives that document one object, and those that set the current module.
OBJECT_DIRECTIVES = frozenset(
    {"class", "function", "data", "exception", "decorator"}
    | {"autoclass", "autofunction", "autodata", "autoexception", "autodecorator"}
)
MODULE_DIRECTIVES = frozenset({"module", "currentmodule", "automodule"})
DIRECTIVE = re.compile(r"^(?P<indent>\s*)\.\.\s+(?:py:)?(?P<kind>[a-z]+)::\s*(?P<target>.*)$")
OPTION = re.compile(r"^\s+:(?P<name>[a-z-]+):\s*(?P<value>.*)$")
ENTRY_POINT = re.compile(r"\s*(?P<module>[\w.]+)\s*(?::\s*(?P<attr>[\w.]+))?\s*(?:\[.*\])?\s*")


def _requirement_name(requirement: str) -> str:
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
        return {_requirement_name(r) for r in self.requirements(extras=extras)}

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


def _imports(module: Module) -> Iterator[tuple[int, str]]:
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


def _top_level_names(tree: ast.Module) -> set[str]:
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


def _borrowed_names(module: Module) -> set[str]:
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


def _doc_comments(tree: ast.Module, source: str) -> set[str]:
    """Return the top-level names with a doc comment, as Sphinx's autodoc reads them.

    A doc comment is a ``#:`` comment on the lines just above the assignment or at its end,
    or a string literal just after it.
    """
    lines = source.splitlines()
    documented: set[str] = set()
    for index, node in enumerate(tree.body):
        if not isinstance(node, ast.Assign | ast.AnnAssign):
            continue
        above = lines[node.lineno - 2].strip() if node.lineno > 1 else ""
        after = tree.body[index + 1] if index + 1 < len(tree.body) else None
        if (
            above.startswith("#:")
            or "#: " in lines[node.end_lineno - 1 if node.end_lineno else node.lineno - 1]
            or (
                isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            )
        ):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            documented |= {t.id for t in targets if isinstance(t, ast.Name)}
    return documented


def _directives(text: str) -> Iterator[tuple[str, str, dict[str, str]]]:
    """Yield ``(kind, target, options)`` for each directive of a reStructuredText page."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        match = DIRECTIVE.match(line)
        if not match:
            continue
        options: dict[str, str] = {}
        name = ""
        for following in lines[index + 1 :]:
            option = OPTION.match(following)
            if option:
                name = option["name"]
                options[name] = option["value"].strip()
            elif name and following.strip() and following.startswith(match["indent"] + " "):
                options[name] += " " + following.strip()
            else:
                break
        yield match["kind"], match["target"].strip(), options


def _names(option: str) -> set[str]:
    return {name.strip() for name in option.split(",")} - {""}


@dataclasses.dataclass(frozen=True)
class Selection:
    """An ``automodule`` directive with ``:members:``, as autodoc reads its options."""

    members: frozenset[str] | None  # None: every name of the module's __all__
    undocumented: bool
    excluded: frozenset[str]

    def selects(self, name: str, has_docstring: bool) -> bool:
        return (
            name not in self.excluded
            and (self.members is None or name in self.members)
            and (has_docstring or self.undocumented)
        )


@dataclasses.dataclass
class Documented:
    """What the pages of docs/ document of one module."""

    one_by_one: set[str] = dataclasses.field(default_factory=set)
    automodules: list[Selection] = dataclasses.field(default_factory=list)

    def documents(self, name: str, has_docstring: bool) -> bool:
        return name in self.one_by_one or any(
            selection.selects(name, has_docstring) for selection in self.automodules
        )


def _documented(docs: pathlib.Path) -> dict[str, Documented]:
    """Read every page of docs/ (not a build) for what it documents, by module."""
    found: dict[str, Documented] = {}
    for page in sorted(docs.rglob("*.rst")):
        if "_build" in page.parts:
            continue
        current = ""
        for kind, target, options in _directives(page.read_text()):
            if kind in MODULE_DIRECTIVES:
                current = target
            if kind == "automodule" and "members" in options:
                selection = Selection(
                    frozenset(_names(options["members"])) or None,
                    "undoc-members" in options,
                    frozenset(_names(options.get("exclude-members", ""))),
                )
                found.setdefault(target, Documented()).automodules.append(selection)
            elif kind in OBJECT_DIRECTIVES:
                # autodoc imports a dotted name as given; the py domain puts it in the module.
                target = target.split("(")[0].strip()
                module = options.get("module", current)
                if kind.startswith("auto") or not module:
                    module, _, target = target.rpartition(".")
                    module = module or options.get("module", current)
                found.setdefault(module, Documented()).one_by_one.add(target)
    return found


def _has_docstring(obj: object) -> bool:
    """Say whether autodoc finds a docstring on ``obj`` (inherited ones count, its default)."""
    if inspect.isclass(obj) or inspect.isroutine(obj):
        return bool(inspect.getdoc(obj))
    return getattr(obj, "__doc__", None) not in (None, "", getattr(type(obj), "__doc__", None))


# The rules.


def check_single_shipper(repo: Repo) -> list[str]:
    """Each module directly below the namespace levels is shipped by exactly one package."""
    return [
        f"{module} is shipped by {' and '.join(shippers)}"
        for module, shippers in sorted(repo.shippers.items())
        if len(shippers) > 1
    ]


def check_namespace_levels(repo: Repo) -> list[str]:
    """No package has an ``__init__.py`` at a namespace level.

    ``baseplate/``, ``baseplate/context/``, ``baseplate/integration/`` and
    ``baseplate/diagnostics/`` are PEP 420 namespaces that every distribution shares.
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
                if match["attr"].split(".")[0] not in _top_level_names(module.tree):
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
                uses += [(f"{rel}:{line}", name, True) for line, name in _imports(module)]
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
            name = _requirement_name(requirement)
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
    pins = {_requirement_name(r): r for r in suite.project.get("dependencies", [])}
    extras = suite.project.get("optional-dependencies", {})
    for name, requirements in extras.items():
        if name != "all":
            pins |= {_requirement_name(r): r for r in requirements}
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


# The public-names rules: every public module (a module of the baseplate namespace with no
# part of its name starting with "_") that defines __all__.


@dataclasses.dataclass(frozen=True)
class Public:
    """A public module, imported, and its ``__all__``."""

    module: Module
    imported: types.ModuleType
    names: list[str]

    def get(self, name: str) -> object:
        """Return ``name`` as ``from <module> import <name>`` would, or raise ImportError."""
        try:
            return getattr(self.imported, name)
        except AttributeError:
            return importlib.import_module(f"{self.module.name}.{name}")


@functools.cache
def _public_modules(repo: Repo) -> tuple[list[Public], list[str]]:
    """Import every public module with an ``__all__``; return them and what went wrong."""
    found, problems = [], []
    for module in sorted(repo.modules.values(), key=lambda m: m.name):
        if not module.public or "__all__" not in _top_level_names(module.tree):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                imported = importlib.import_module(module.name)
        except Exception as exc:  # any failure to import is the finding
            problems.append(f"{module.name}: cannot be imported: {exc!r}")
            continue
        if pathlib.Path(imported.__file__ or "").resolve() != module.path.resolve():
            problems.append(
                f"{module.name}: imported from {imported.__file__}, not from "
                f"{module.path.relative_to(ROOT)}: install the packages editable "
                "(nox -s checks does) or run with .venv/bin/python"
            )
            continue
        found.append(Public(module, imported, list(imported.__all__)))
    return found, problems


def _importable(repo: Repo) -> Iterator[tuple[Public, str, object]]:
    publics, _ = _public_modules(repo)
    for public in publics:
        for name in public.names:
            try:
                yield public, name, public.get(name)
            except ImportError:
                continue


def check_public_names_importable(repo: Repo) -> list[str]:
    """Each public module imports, and each name in its ``__all__`` can be imported from it.

    A package's ``__init__.py`` binds no other public name: what it defines or imports from
    its own private modules is in ``__all__`` or ``_``-prefixed. (What it imports from
    elsewhere, ``types`` or a sibling's public class, is not its own, nor are submodules.)
    """
    publics, problems = _public_modules(repo)
    problems = list(problems)
    for public in publics:
        where = f"{public.module.path.relative_to(ROOT)}: __all__"
        if len(set(public.names)) != len(public.names):
            problems.append(f"{where} names something twice")
        for name in public.names:
            try:
                public.get(name)
            except ImportError:
                problems.append(f"{where} names {name!r}, which {public.module.name} lacks")
        if public.module.path.name != "__init__.py":
            continue
        borrowed = _borrowed_names(public.module)
        unlisted = sorted(
            name
            for name, value in vars(public.imported).items()
            if not name.startswith("_")
            and name not in public.names
            and name not in borrowed
            and not isinstance(value, types.ModuleType)
        )
        if unlisted:
            problems.append(f"{where} leaves out public names {unlisted}: add them or rename")
    return problems


def check_public_names_documented(repo: Repo) -> list[str]:
    """Each name in a public module's ``__all__`` is documented on a page of docs/.

    A page documents it with a directive naming it: ``autoclass``, ``autofunction``,
    ``autodata``, ``autoexception`` or ``autodecorator`` by full name or under the page's
    current module, or their ``py:`` forms under the current module (or ``:module:``), which
    is where Sphinx puts even a dotted name. Or with an ``automodule`` of its module (or of the
    module it reports in ``__module__``) whose ``:members:`` select it, as autodoc does:
    every ``__all__`` name, or those listed, less the ``:exclude-members:``, and of those only
    the ones with a docstring unless ``:undoc-members:`` is given. A constant or an alias has
    no docstring of its own: its doc comment (``#:`` above it) counts, in the public module
    or in the submodule defining it (docs/conf.py has autodoc read those). Submodules named in
    ``__all__`` are public modules of their own, checked as such.
    """
    documented = _documented(ROOT / "docs")
    commented: dict[str, set[str]] = {}
    for module in repo.modules.values():
        names = _doc_comments(module.tree, module.path.read_text())
        for level in range(module.name.count(".") + 1):
            commented.setdefault(module.name.rsplit(".", level)[0], set()).update(names)
    problems = []
    for public, name, obj in _importable(repo):
        if isinstance(obj, types.ModuleType):
            continue
        homes = {public.module.name, getattr(obj, "__module__", public.module.name)}
        has_docstring = _has_docstring(obj) or name in commented.get(public.module.name, ())
        if not any(documented.get(h, Documented()).documents(name, has_docstring) for h in homes):
            page = f"docs/{public.module.package}.rst"
            problems.append(
                f"{public.module.name}.{name} is in __all__ but no docs/ page documents it "
                f"(give it a docstring or a #: comment, list it under {page}'s automodule, "
                "or autodoc it)"
            )
    return problems


def check_public_names_module(repo: Repo) -> list[str]:
    """Public classes and functions report a public home in ``__module__``.

    Each class or function in a public module's ``__all__`` has a ``__module__`` naming a
    public module whose ``__all__`` lists it under its ``__qualname__``, so reprs, pickles
    and the documentation's cross-references show the path users import, not a private
    module. Objects of other distributions than ours are left alone.
    """
    publics, _ = _public_modules(repo)
    listing = {(p.module.name, n) for p in publics for n in p.names}
    problems = []
    for public, name, obj in _importable(repo):
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        home = obj.__module__
        if not home.startswith("baseplate."):
            continue
        if (home, obj.__qualname__) not in listing:
            problems.append(
                f"{public.module.name}.{name} reports {home}.{obj.__qualname__}; set its "
                f"__module__ to {public.module.name!r} in "
                f"{public.module.path.relative_to(ROOT)}"
            )
    return problems


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
