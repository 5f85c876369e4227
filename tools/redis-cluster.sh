#!/usr/bin/env bash
# Start a three-master Redis cluster for baseplate-context-redis's integration tests, from the
# machine's redis-server (Debian's redis-server package, installed when missing), on
# 127.0.0.1:7000-7002 (BASEPLATE_REDIS_CLUSTER_PORTS="7000 7001 7002" picks others). Each node
# runs in the background with its data and log in /tmp/baseplate-redis-cluster/<port>/; the
# cluster is created with redis-cli --cluster create the first time, and the script waits until
# it reports cluster_state:ok. Called by tools/services.sh; safe to run again (it does nothing
# when the cluster is already up). Stop it with: redis-cli -p PORT shutdown nosave, per node.
set -euo pipefail
cd "$(dirname "$0")/.."

read -r -a ports <<<"${BASEPLATE_REDIS_CLUSTER_PORTS:-7000 7001 7002}"
dir=/tmp/baseplate-redis-cluster
host=127.0.0.1

cli() { redis-cli -h "$host" -p "$1" "${@:2}"; }
up() { [ "$(cli "$1" ping 2>/dev/null)" = "PONG" ]; }
state_ok() { cli "$1" cluster info 2>/dev/null | tr -d '\r' | grep -qx "cluster_state:ok"; }

if state_ok "${ports[0]}"; then
  exit 0
fi

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server \
    >/dev/null
fi

for port in "${ports[@]}"; do
  if up "$port"; then
    continue
  fi
  mkdir -p "$dir/$port"
  # A node that was stopped keeps its nodes.conf, so it rejoins the cluster it belonged to.
  redis-server --daemonize yes --bind "$host" --port "$port" --cluster-enabled yes \
    --cluster-config-file nodes.conf --cluster-node-timeout 5000 --save "" --appendonly no \
    --dir "$dir/$port" --logfile "$dir/$port/redis.log" --pidfile "$dir/$port/redis.pid"
done

for port in "${ports[@]}"; do
  for _ in $(seq 1 50); do
    up "$port" && break
    sleep 0.1
  done
  if ! up "$port"; then
    echo "Redis cluster node $host:$port did not start; its log:" >&2
    tail -n 20 "$dir/$port/redis.log" >&2 || true
    exit 1
  fi
done

# A fresh node knows no slots; once created, each node knows the cluster from nodes.conf.
if [ "$(cli "${ports[0]}" cluster info | tr -d '\r' | sed -n 's/^cluster_slots_assigned://p')" = 0 ]; then
  nodes=()
  for port in "${ports[@]}"; do nodes+=("$host:$port"); done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$dir/create.log"
fi

for _ in $(seq 1 100); do
  ok=1
  for port in "${ports[@]}"; do state_ok "$port" || ok=; done
  if [ -n "$ok" ]; then
    echo "Redis cluster up on $host:${ports[*]}"
    exit 0
  fi
  sleep 0.1
done
echo "Redis cluster on $host:${ports[*]} did not reach cluster_state:ok within 10 s:" >&2
cli "${ports[0]}" cluster info >&2 || true
exit 1
