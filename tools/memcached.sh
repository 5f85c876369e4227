#!/usr/bin/env bash
# Start memcached for the integration tests when nothing answers on 127.0.0.1:11211: Debian's
# memcached package, installed when missing (quiet, noninteractive; apt-get update only when
# the package lists lack it). The server runs in the background, detached, listening on
# 127.0.0.1 only (TCP; UDP off), with 64 MB of memory, logging to .memcached/server.log (a
# directory git ignores); its pid is in .memcached/server.pid. As root it runs as the package's memcache
# user, or as nobody when that user is missing.
# Called by tools/services.sh; safe to run again (does nothing when the port answers).
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/lib.sh

host=127.0.0.1
port=11211
dir=.memcached

up() { tcp_up "$host" "$port"; }

# "VERSION ..." in answer to the text protocol's version command: the server is serving.
answers() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$host/$port && printf 'version\r\n' >&3 && head -c 8 <&3" \
    2>/dev/null | grep -q VERSION
}

if up; then
  exit 0
fi

if ! [ -x /usr/bin/memcached ]; then  # (dpkg -s also says yes for a removed package)
  # Update the package lists only when they do not know memcached yet (a fresh machine), so a
  # caller that has just updated them is not made to wait for a second update.
  apt-cache show memcached >/dev/null 2>&1 || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends memcached \
    >/dev/null
fi

user_args=()
if [ "$(id -u)" -eq 0 ]; then
  if getent passwd memcache >/dev/null; then
    user_args=(-u memcache)
  else
    user_args=(-u nobody)
  fi
fi

mkdir -p "$dir"
# The directory ignores itself, so no run leaves untracked files in the checkout.
printf '*\n' >"$dir/.gitignore"
# setsid: the server is not in the caller's process group or session, so it outlives the
# script and a Ctrl-C of the test run does not stop it.
setsid /usr/bin/memcached -l "$host" -p "$port" -U 0 -m 64 "${user_args[@]}" \
  >"$dir/server.log" 2>&1 </dev/null &
echo $! >"$dir/server.pid"

wait_until_up memcached "$host:$port" "$dir" 50 answers
