"""Check the wheels ``nox -s build`` made (one per package).

Each wheel must hold exactly its package's modules under ``baseplate/`` (every ``.py`` file of
its ``src/``), a ``py.typed`` in each module it owns, and no ``__init__.py`` at a namespace
level. The suite's wheel holds no code at all. Prints one line per problem; exits 1 if any.

Usage: python tools/check_wheels.py DIST_DIR
"""

from __future__ import annotations

import pathlib
import sys
import tomllib
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
NAMESPACE_INITS = {
    "baseplate/__init__.py",
    "baseplate/context/__init__.py",
    "baseplate/integration/__init__.py",
    "baseplate/diagnostics/__init__.py",
    "baseplate/sidecars/__init__.py",
}


def main(dist: pathlib.Path) -> int:
    problems: list[str] = []
    checked = 0
    for package in sorted(p.parent for p in ROOT.glob("packages/*/pyproject.toml")):
        project = tomllib.loads((package / "pyproject.toml").read_text())["project"]
        stem = project["name"].replace("-", "_") + "-" + project["version"]
        wheels = list(dist.glob(f"{stem}-*.whl"))
        if len(wheels) != 1:
            problems.append(f"{project['name']}: expected one wheel {stem}-*.whl in {dist}")
            continue
        with zipfile.ZipFile(wheels[0]) as wheel:
            names = {n for n in wheel.namelist() if not n.split("/")[0].endswith(".dist-info")}
        src = package / "src"
        expected = (
            {
                str(p.relative_to(src))
                for p in src.rglob("*")
                if p.suffix in (".py", ".typed", ".thrift")
            }
            if src.exists()
            else set()
        )
        expected = {e for e in expected if "__pycache__" not in e}
        for missing in sorted(expected - names):
            problems.append(f"{wheels[0].name}: missing {missing}")
        for extra in sorted(n for n in names - expected if n.endswith(".py")):
            problems.append(f"{wheels[0].name}: unexpected {extra}")
        for bad in sorted(names & NAMESPACE_INITS):
            problems.append(f"{wheels[0].name}: ships namespace-level {bad}")
        typed_dirs = {n.rsplit("/", 1)[0] for n in names if n.endswith("/py.typed")}
        init_dirs = {n.rsplit("/", 1)[0] for n in names if n.endswith("/__init__.py")}
        top_dirs = {d for d in init_dirs if d.rsplit("/", 1)[0] + "/__init__.py" not in names}
        for module_dir in sorted(top_dirs - typed_dirs):
            problems.append(f"{wheels[0].name}: {module_dir} has no py.typed")
        if package.name == "suite" and names:
            problems.append(f"{wheels[0].name}: the suite must ship no files, has {sorted(names)}")
        checked += 1
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{checked} wheels checked")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1])))
