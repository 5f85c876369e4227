#!/usr/bin/env bash
# Install what the benchmarks need beyond Python packages, from Debian's packages: the `wrk`
# HTTP load generator (benchmarks/bench_serve_load.py) and valgrind, whose callgrind counts
# instructions (benchmarks/bench_thrift_call.py --instructions). Needs root (or sudo). Does
# nothing when both are present.
set -euo pipefail

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
sudo=""
if [ "$(id -u)" != "0" ]; then
    sudo="sudo"
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
command -v wrk >/dev/null
command -v valgrind >/dev/null
