"""Check that the committed Thrift-generated Python code matches the IDL it comes from.

Regenerates the code with ``tools/thrift-codegen.sh`` into a temporary directory (installing
Debian's ``thrift-compiler`` if needed) and compares it with the committed files. Prints a
unified diff and exits 1 when they differ; exits 2 if the code could not be generated.
"""

from __future__ import annotations

import difflib
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
CODEGEN = ROOT / "tools" / "thrift-codegen.sh"
# The directories whose *.py files tools/thrift-codegen.sh writes.
GENERATED_DIRS = (
    "packages/thrift/src/baseplate/thrift",
    "packages/thrift/tests/baseplate_thrift_testgen",
    "examples/thrift_service/example_thrift",
    "packages/edgecontext/src/baseplate/edgecontext/thrift",
    "packages/edgecontext/tests/edgecontext_testgen",
    "packages/events/src/baseplate/events/thrift",
)


def _read_lines(path: pathlib.Path | None) -> list[str]:
    return path.read_text().splitlines(keepends=True) if path is not None else []


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="thrift-check-") as tmp:
        out = pathlib.Path(tmp)
        result = subprocess.run(["bash", str(CODEGEN), str(out)], check=False)
        if result.returncode != 0:
            print(f"{CODEGEN.relative_to(ROOT)} failed with exit code {result.returncode}")
            return 2
        stale = 0
        for rel in GENERATED_DIRS:
            committed = {p.name: p for p in (ROOT / rel).glob("*.py")}
            fresh = {p.name: p for p in (out / rel).glob("*.py")}
            for name in sorted(committed.keys() | fresh.keys()):
                if name not in fresh or name not in committed:
                    stale += 1
                    where = "committed but not generated" if name in committed else "not committed"
                    print(f"{rel}/{name}: {where}")
                    continue
                diff = list(
                    difflib.unified_diff(
                        _read_lines(committed.get(name)),
                        _read_lines(fresh.get(name)),
                        fromfile=f"committed/{rel}/{name}",
                        tofile=f"regenerated/{rel}/{name}",
                    )
                )
                if diff:
                    stale += 1
                    sys.stdout.writelines(diff)
    if stale:
        print(
            f"\n{stale} generated file(s) do not match the IDL; run tools/thrift-codegen.sh "
            "and commit the result"
        )
        return 1
    print("generated Thrift code matches the IDL")
    return 0


if __name__ == "__main__":
    sys.exit(main())
