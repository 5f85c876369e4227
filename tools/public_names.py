"""The public-names rules of tools/check_repo.py, and how they read docs/.

A public module is a module of the baseplate namespace with no part of its name starting
with ``_``; the rules look at those that define ``__all__``. They import them, so every
package must be installed (editable, so that what is imported is this checkout).
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib
import inspect
import pathlib
import re
import types
import warnings
from collections.abc import Iterator

from repo_model import ROOT, Module, Repo, borrowed_names, top_level_names

# The docs/ directives that document one object, and those that set the current module.
OBJECT_DIRECTIVES = frozenset(
    {"class", "function", "data", "exception", "decorator"}
    | {"autoclass", "autofunction", "autodata", "autoexception", "autodecorator"}
)
MODULE_DIRECTIVES = frozenset({"module", "currentmodule", "automodule"})
DIRECTIVE = re.compile(r"^(?P<indent>\s*)\.\.\s+(?:py:)?(?P<kind>[a-z]+)::\s*(?P<target>.*)$")
OPTION = re.compile(r"^\s+:(?P<name>[a-z-]+):\s*(?P<value>.*)$")


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
        if not module.public or "__all__" not in top_level_names(module.tree):
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
        borrowed = borrowed_names(public.module)
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
