#!/usr/bin/env bash
# Install the project's pinned tooling (pdm, nox) into .tooling/ with the machine's Python 3.11.
# Idempotent: does nothing when .tooling/ already matches tools/tooling-requirements.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${BASEPLATE_PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
stamp=.tooling/.requirements
if [ -x .tooling/bin/nox ] && [ -x .tooling/bin/pdm ] && cmp -s tools/tooling-requirements.txt "$stamp"; then
  exit 0
fi
rm -rf .tooling
"$python" -m venv .tooling
.tooling/bin/pip install --quiet --disable-pip-version-check -r tools/tooling-requirements.txt \
  2> >(grep -v "is ignored: it is neither" >&2)
cp tools/tooling-requirements.txt "$stamp"
echo "tooling installed: $(.tooling/bin/pdm --version), nox $(.tooling/bin/nox --version 2>&1)"
