"""Install the foundation's wheels into an empty virtualenv and check what arrives.

``pip install baseplate-config baseplate-core`` (from the wheels ``nox -s build`` made, no
index) must install exactly those two distributions, both must import, and ``baseplate`` must
be a namespace package (``baseplate.__file__ is None``). Exits 1 with the reason otherwise.

Usage: python tools/check_install.py DIST_DIR
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import tempfile
import venv

PROBE = (
    "import baseplate, importlib.metadata as m; "
    "from baseplate.config import parse_config; from baseplate.core import Baseplate; "
    "assert baseplate.__file__ is None, baseplate.__file__; "
    "import json; print(json.dumps(sorted(d.metadata['Name'] for d in m.distributions())))"
)


def main(dist: pathlib.Path) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        env = pathlib.Path(scratch) / "venv"
        venv.create(env, with_pip=True)
        python = str(env / "bin" / "python")
        subprocess.run(
            [
                python,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-index",
                "--find-links",
                str(dist),
                "baseplate-config",
                "baseplate-core",
            ],
            check=True,
        )
        listed = subprocess.run([python, "-c", PROBE], check=True, capture_output=True, text=True)
    installed = json.loads(listed.stdout)
    extra = [name for name in installed if name not in ("pip", "setuptools")]
    if extra != ["baseplate-config", "baseplate-core"]:
        print(f"an empty venv got {extra}, expected only baseplate-config and baseplate-core")
        return 1
    print("baseplate-config + baseplate-core install alone and import as a namespace")
    return 0


if __name__ == "__main__":
    sys.exit(main(pathlib.Path(sys.argv[1])))
