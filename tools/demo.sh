#!/usr/bin/env bash
# The README's demo, from a fresh clone: create .venv-demo, install the local Baseplate
# packages the example needs (with Pyramid and gevent from PyPI), and serve the example WSGI
# service (examples/wsgi_service) on localhost:9090 until Ctrl-C.
#
# Extra arguments go to baseplate-serve, e.g. `tools/demo.sh --reload` or
# `tools/demo.sh --bind localhost:8080`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "demo: Baseplate needs Python 3.11 or newer; set PYTHON to one" >&2
    exit 1
fi

if [ ! -x .venv-demo/bin/baseplate-serve ]; then
    echo "demo: installing into .venv-demo (once) ..." >&2
    "$python" -m venv .venv-demo
    .venv-demo/bin/python -m pip install --quiet \
        ./packages/core ./packages/config ./packages/retry ./packages/thrift \
        ./packages/pyramid "./packages/serve[thrift]"
fi

echo "demo: serving examples/wsgi_service on http://localhost:9090 (Ctrl-C to stop)" >&2
# The example's factory is named relative to the repository root, the current directory.
exec .venv-demo/bin/baseplate-serve examples/wsgi_service/example.ini "$@"
