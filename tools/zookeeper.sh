#!/usr/bin/env bash
# Start a standalone ZooKeeper for the integration tests when none answers on 127.0.0.1:2181.
# The server is Debian's `zookeeper` package, installed here when it is missing (quiet,
# non-interactive; apt-get update only when the package lists lack it). It runs in the
# background, detached, with its own configuration and data directory under .zookeeper/
# (git-ignored), logging to .zookeeper/server.log; its pid is in .zookeeper/server.pid. The
# tests that stop and restart a server start their own on another port through `serve`,
# leaving this one alone.
# Called by tools/services.sh; safe to run again (does nothing when the port answers).
#
#   tools/zookeeper.sh                  install if needed; start on 127.0.0.1:2181 unless it answers
#   tools/zookeeper.sh serve PORT DIR   run a server on 127.0.0.1:PORT in the foreground, with its
#                                       configuration and data in DIR (the tests' own servers)
set -euo pipefail
script=$(realpath "$0")
cd "$(dirname "$script")/.."
source tools/lib.sh

host=127.0.0.1

# Write DIR/zoo.cfg for a standalone server on $host:PORT and become that server. The short tick
# lets clients ask for sessions of a second or two.
serve() {
  local port=$1 dir=$2 jar
  mkdir -p "$dir/data"
  printf '%s\n' \
    "tickTime=500" \
    "minSessionTimeout=1000" \
    "dataDir=$dir/data" \
    "clientPortAddress=$host" \
    "clientPort=$port" \
    "maxClientCnxns=0" \
    "admin.enableServer=false" \
    "4lw.commands.whitelist=ruok,srvr,stat" >"$dir/zoo.cfg"
  # Debian's start-up environment sets CLASSPATH (the server's jar, whose manifest names its
  # dependencies); log4j and its SLF4J binding, when present, send the server's log to stdout.
  # shellcheck disable=SC1091
  . /etc/zookeeper/conf/environment
  for jar in /usr/share/java/slf4j-log4j12.jar /usr/share/java/log4j-1.2.jar; do
    if [ -e "$jar" ]; then CLASSPATH=$CLASSPATH:$jar; fi
  done
  exec java -cp "$CLASSPATH" -Dzookeeper.log.dir="$dir" -Dzookeeper.root.logger=INFO,CONSOLE \
    org.apache.zookeeper.server.ZooKeeperServerMain "$dir/zoo.cfg"
}

if [ "${1:-}" = serve ]; then
  serve "$2" "$(realpath -m "$3")"
fi

port=2181
dir=$PWD/.zookeeper

up() { tcp_up "$host" "$port"; }

# "imok" in answer to the four-letter "ruok": the server is serving, not just listening.
ruok() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$host/$port && printf ruok >&3 && cat <&3" 2>/dev/null |
    grep -q imok
}

if up; then
  exit 0
fi

# The files this script runs the server from (dpkg -s also says yes for a removed package).
if ! [ -e /usr/share/java/zookeeper.jar ] || ! [ -e /etc/zookeeper/conf/environment ]; then
  # Update the package lists only when they do not know zookeeper yet (a fresh machine), so a
  # caller that has just updated them is not made to wait for a second update.
  apt-cache show zookeeper >/dev/null 2>&1 || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends zookeeper \
    >/dev/null
fi

# setsid: the server is not in the caller's process group or session, so it outlives the
# script and a Ctrl-C of the test run does not stop it.
mkdir -p "$dir"
setsid bash "$script" serve "$port" "$dir" >"$dir/server.log" 2>&1 </dev/null &
echo $! >"$dir/server.pid"

wait_until_up ZooKeeper "$host:$port" "$dir" 150 ruok
