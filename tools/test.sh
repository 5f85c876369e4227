#!/usr/bin/env bash
# The whole test gate, from a fresh machine: install the pinned tooling, install and start the
# services the integration tests need, then run every nox session that gates a change
# (lint, typecheck, checks, build, docs, and the isolated tests of every package).
# Extra arguments go to nox, e.g. `tools/test.sh -s "tests(package='core')"`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/bootstrap.sh
bash tools/services.sh
export PATH="$PWD/.tooling/bin:$PATH"
exec nox --no-color "$@"
