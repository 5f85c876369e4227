# Shell functions the service scripts in tools/ share (openbao.sh, memcached.sh, zookeeper.sh,
# redis-cluster.sh). Source it; it runs nothing by itself:
#
#   source tools/lib.sh
#
# tcp_up HOST PORT
#   Succeeds when something accepts a TCP connection on HOST:PORT (within a second).
# retry TRIES PAUSE COMMAND [ARG...]
#   Runs COMMAND until it succeeds, at most TRIES times with PAUSE seconds between tries;
#   fails when it never did.
# wait_until_up NAME WHERE DIR TRIES COMMAND [ARG...]
#   Waits for a server just started in the background (pid in DIR/server.pid, log in
#   DIR/server.log) until COMMAND says it serves, trying TRIES times 0.2 s apart. Says
#   "NAME started on WHERE" and succeeds; or, when the server exits or never answers, prints
#   its log to standard error and fails.

tcp_up() { timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

retry() {
  local tries=$1 pause=$2 _
  shift 2
  for _ in $(seq 1 "$tries"); do
    "$@" && return 0
    sleep "$pause"
  done
  return 1
}

wait_until_up() {
  local name=$1 where=$2 dir=$3 tries=$4 _
  shift 4
  for _ in $(seq 1 "$tries"); do
    if "$@"; then
      echo "$name started on $where (log: $dir/server.log)"
      return 0
    fi
    if ! kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; then
      echo "$name exited at start-up; its log:" >&2
      cat "$dir/server.log" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "$name did not answer on $where within $((tries / 5)) s; its log:" >&2
  tail -n 40 "$dir/server.log" >&2
  return 1
}
