#!/usr/bin/env bash
# Install what benchmarks/bench_serve_load.py needs beyond Python packages: the `wrk` HTTP load
# generator, from Debian's packages. Needs root (or sudo). Does nothing when wrk is present.
set -euo pipefail

if command -v wrk >/dev/null 2>&1; then
    exit 0
fi
sudo=""
if [ "$(id -u)" != "0" ]; then
    sudo="sudo"
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends wrk >/dev/null
command -v wrk >/dev/null
