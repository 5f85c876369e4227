#!/usr/bin/env bash
# Start a three-master Redis cluster for baseplate-context-redis's integration tests, from the
# machine's redis-server (Debian's redis-server package, installed when missing), on
# 127.0.0.1:7000-7002 (BASEPLATE_REDIS_CLUSTER_PORTS="7000 7001 7002" picks others). Each node
# runs in the background with its data and log in /tmp/baseplate-redis-cluster/<port>/; the
# cluster is created with redis-cli --cluster create the first time, and the script waits until
# every node reports cluster_state:ok. A cluster left in a state that never becomes ok (say, the
# nodes.conf of a cluster whose other nodes' data is gone) is wiped and created again, when
# this script started every node itself. Called by tools/services.sh; safe to run again (it
# does nothing when the cluster is already up). Stop a node: redis-cli -p PORT shutdown nosave.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/lib.sh

read -r -a ports <<<"${BASEPLATE_REDIS_CLUSTER_PORTS:-7000 7001 7002}"
dir=/tmp/baseplate-redis-cluster
host=127.0.0.1

cli() { redis-cli -h "$host" -p "$1" "${@:2}"; }
up() { [ "$(cli "$1" ping 2>/dev/null)" = "PONG" ]; }
down() { ! up "$1"; }
state_ok() { cli "$1" cluster info 2>/dev/null | tr -d '\r' | grep -qx "cluster_state:ok"; }

all_ok() {
  local port
  for port in "${ports[@]}"; do state_ok "$port" || return 1; done
}

# Start each node that does not answer; set started_all when none answered before.
start_nodes() {
  local port
  started_all=1
  for port in "${ports[@]}"; do
    if up "$port"; then
      started_all=
      continue
    fi
    mkdir -p "$dir/$port"
    # A node that was stopped keeps its nodes.conf, so it rejoins the cluster it belonged to.
    redis-server --daemonize yes --bind "$host" --port "$port" --cluster-enabled yes \
      --cluster-config-file nodes.conf --cluster-node-timeout 5000 --save "" --appendonly no \
      --dir "$dir/$port" --logfile "$dir/$port/redis.log" --pidfile "$dir/$port/redis.pid"
  done
  for port in "${ports[@]}"; do
    if ! retry 50 0.1 up "$port"; then
      echo "Redis cluster node $host:$port did not start; its log:" >&2
      tail -n 20 "$dir/$port/redis.log" >&2 || true
      exit 1
    fi
  done
}

# A fresh node knows no slots; once created, each node knows the cluster from nodes.conf.
create_if_new() {
  local assigned port nodes=()
  assigned=$(cli "${ports[0]}" cluster info | tr -d '\r' | sed -n 's/^cluster_slots_assigned://p')
  if [ "$assigned" = 0 ]; then
    for port in "${ports[@]}"; do nodes+=("$host:$port"); done
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes \
      >"$dir/create.log"
  fi
}

wait_ok() { retry 100 0.1 all_ok; }

if all_ok; then
  exit 0
fi

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server \
    >/dev/null
fi

start_nodes
create_if_new
if wait_ok; then
  echo "Redis cluster up on $host, ports ${ports[*]}"
  exit 0
fi

if [ -n "$started_all" ]; then
  echo "Redis cluster on $host did not become ok from its saved state; creating it anew" >&2
  for port in "${ports[@]}"; do cli "$port" shutdown nosave >/dev/null 2>&1 || true; done
  for port in "${ports[@]}"; do
    retry 50 0.1 down "$port" || true
    rm -rf "${dir:?}/$port"
  done
  start_nodes
  create_if_new
  if wait_ok; then
    echo "Redis cluster up on $host, ports ${ports[*]}"
    exit 0
  fi
fi
echo "Redis cluster on $host, ports ${ports[*]}, did not reach cluster_state:ok within 10 s:" >&2
cli "${ports[0]}" cluster info >&2 || true
exit 1
