"""Write the intersphinx inventories the documentation links other projects' names through.

The docs build has no network, so each project the docs link to has its inventory in the
repository: ``docs/_inventories/<key>.inv``, in Sphinx's ``objects.inv`` version 2 format,
generated from the plain list ``docs/_inventories/<key>.txt`` next to it. ``<key>`` is the
project's key in ``_DOCUMENTATION_ROOTS`` (``docs/conf.py``), which gives the base URL of its
documentation and from which ``intersphinx_mapping`` is made.

A list has one name per line, three fields separated by blanks::

    datetime.timedelta  py:class  https://docs.python.org/3/library/datetime.html#datetime.timedelta

the name as the docs reference it, its object type as an ``objects.inv`` names it
(``py:class``, ``py:exception``, ``py:function``, ``py:method``, ``py:attribute``,
``py:data``, ``py:module``), and the address of its documentation, under the base URL.
Blank lines and lines starting with ``#`` are ignored, except two header lines naming the
project and version the inventory describes (``# project: Python`` and ``# version: 3``).
List only names the docs or docstrings reference: a name nothing uses is dead weight, and a
reference no list answers fails the nitpicky docs build.

Run ``python tools/docs_inventories.py`` after editing a list; ``--check`` writes nothing and
exits 1 when an inventory is missing or differs from what its list gives (or 2 when a list is
malformed).
"""

from __future__ import annotations

import argparse
import ast
import pathlib
import sys
import zlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
INVENTORIES = DOCS / "_inventories"
OBJECT_TYPES = frozenset(
    {
        "py:attribute",
        "py:class",
        "py:data",
        "py:exception",
        "py:function",
        "py:method",
        "py:module",
    }
)
HEADER_KEYS = ("project", "version")


class ListError(Exception):
    """A line of an inventory list that cannot be turned into an inventory entry."""


def _base_urls() -> dict[str, str]:
    """Return ``docs/conf.py``'s ``_DOCUMENTATION_ROOTS``: project key to base URL.

    Read from the file's syntax tree, so this needs neither Sphinx nor the packages.
    """
    tree = ast.parse((DOCS / "conf.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "_DOCUMENTATION_ROOTS"
            for target in node.targets
        ):
            roots: dict[str, str] = ast.literal_eval(node.value)
            return roots
    raise ListError("docs/conf.py has no _DOCUMENTATION_ROOTS = {...} assignment")


def build_inventory(listing: pathlib.Path, base_url: str) -> bytes:
    """Return the ``objects.inv`` bytes for the inventory list at ``listing``.

    Raises:
        ListError: A line does not have three fields, names an unknown object type, gives a
            URL outside ``base_url``, or repeats a name; or a header line is missing.
    """
    header: dict[str, str] = {}
    entries: dict[tuple[str, str], str] = {}
    for number, raw in enumerate(listing.read_text().splitlines(), start=1):
        line = raw.strip()
        where = f"{listing.relative_to(ROOT)}:{number}"
        if line.startswith("#"):
            key, _, value = line.lstrip("#").strip().partition(":")
            if key in HEADER_KEYS and value.strip():
                header[key] = value.strip()
            continue
        if not line:
            continue
        fields = line.split()
        if len(fields) != 3:
            raise ListError(f"{where}: expected 'name type URL', got {raw!r}")
        name, object_type, url = fields
        if object_type not in OBJECT_TYPES:
            known = ", ".join(sorted(OBJECT_TYPES))
            raise ListError(f"{where}: unknown object type {object_type!r} (one of {known})")
        if not url.startswith(base_url):
            raise ListError(f"{where}: {url!r} is not under the project's base URL {base_url!r}")
        if (name, object_type) in entries:
            raise ListError(f"{where}: {name!r} ({object_type}) is listed twice")
        entries[name, object_type] = url[len(base_url) :]
    missing = [key for key in HEADER_KEYS if key not in header]
    if missing:
        raise ListError(f"{listing.relative_to(ROOT)}: no '# {missing[0]}: ...' header line")

    lines = []
    for (name, object_type), uri in sorted(entries.items()):
        if uri.endswith("#" + name):
            uri = uri[: -len(name)] + "$"  # the format's shorthand for "the name again"
        priority = 0 if object_type == "py:module" else 1
        lines.append(f"{name} {object_type} {priority} {uri} -\n")
    preamble = (
        "# Sphinx inventory version 2\n"
        f"# Project: {header['project']}\n"
        f"# Version: {header['version']}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    return preamble.encode() + zlib.compress("".join(lines).encode(), 9)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if an inventory is stale"
    )
    args = parser.parse_args(argv)

    try:
        base_urls = _base_urls()
    except ListError as exc:
        print(exc)
        return 2
    listings = {path.stem: path for path in sorted(INVENTORIES.glob("*.txt"))}
    problems = 0
    for key in sorted(base_urls.keys() - listings.keys()):
        print(f"docs/conf.py names {key!r}, but there is no {key}.txt in {INVENTORIES}")
        problems += 1
    for key in sorted(listings.keys() - base_urls.keys()):
        print(f"{listings[key].relative_to(ROOT)}: no {key!r} in docs/conf.py")
        problems += 1
    if problems:
        return 2
    for key, listing in listings.items():
        try:
            inventory = build_inventory(listing, base_urls[key])
        except ListError as exc:
            print(exc)
            return 2
        target = listing.with_suffix(".inv")
        if target.exists() and target.read_bytes() == inventory:
            continue
        if args.check:
            print(f"{target.relative_to(ROOT)} is stale: run python tools/docs_inventories.py")
            problems += 1
        else:
            target.write_bytes(inventory)
            print(f"wrote {target.relative_to(ROOT)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
