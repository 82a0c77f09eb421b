#!/usr/bin/env bash
# A local Garnet cluster from the tool manifest: N primaries (optionally R replicas each) on 127.0.0.1, every node
# with the flags of docker-compose.yml's garnet service (AOF + commit-wait, RandomAccess device, bounded memory; taken
# from scripts/garnet.sh) plus --cluster, all 16384 slots assigned by `redis-cli --cluster create`.
#
#   scripts/garnet-cluster.sh up N BASEPORT DATADIR [--replicas R]
#       start N*(1+R) nodes on ports BASEPORT.. (choose ports below 32768: FACTS.md), form the cluster, wait until
#       every node reports cluster_state:ok, print the endpoints as a StackExchange.Redis configuration string
#   scripts/garnet-cluster.sh down DATADIR            stop every node `up` started there (by the PIDs it recorded)
#   scripts/garnet-cluster.sh endpoints DATADIR       print host:port,host:port,...[,password=...] again
#   scripts/garnet-cluster.sh kill DATADIR PORT [SIG] stop one node (default SIGKILL: a crash), keep its data
#   scripts/garnet-cluster.sh start DATADIR PORT      start one node again on its data (recovers AOF + cluster config)
#   scripts/garnet-cluster.sh wait-ok DATADIR [SECS]  wait until every node reports cluster_state:ok (default 60 s)
#
# Layout: DATADIR/node-PORT/{data/ (checkpoints, AOF, nodes.conf), garnet.log, garnet.pid, args, garnet-auth.json}.
# Each node runs in its own session (setsid): `dotnet garnet-server` is a launcher that starts a second dotnet
# process, and only stopping the whole process group stops both. Garnet gossips over the client port (CLUSTER NODES shows a +10000
# bus port that nothing listens on). Needs redis-cli (Debian: redis-tools) to form the cluster.
# With GARNET_PASSWORD set (for every call: `start` and `wait-ok` talk to the nodes too), every node asks clients
# for it, as docker-compose.cluster.yml's do, and the nodes' gossip presents it; the nodes get it in a file (0600,
# garnet-auth.json), never on a command line, redis-cli through REDISCLI_AUTH, and the printed configuration
# carries it. A MIGRATE then needs `AUTH <password>` among its arguments: without, Garnet 2.2.8 answers OK and moves
# nothing.
# GARNET_CLUSTER_START_TIMEOUT=SECS bounds the wait for each node's first PING (default 90).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
host=127.0.0.1
start_timeout_s=${GARNET_CLUSTER_START_TIMEOUT:-90}
if [[ -n ${GARNET_PASSWORD:-} ]]; then
  # redis-cli reads the password from here (not from its command line, which `ps` shows).
  export REDISCLI_AUTH=$GARNET_PASSWORD
fi

die() { echo "garnet-cluster: $*" >&2; exit 1; }
usage() { sed -n '2,24p' "$0"; exit 2; }

node_dir() { echo "$1/node-$2"; }

ping_node() { # port: garnet.sh's PING, which AUTHs first when GARNET_PASSWORD is set
  "$here/scripts/garnet.sh" ping "$1"
}

# Is PID still the session leader this script started (and not a recycled PID)?
is_our_leader() {
  local pid=$1 sid
  sid=$(ps -o sid= -p "$pid" 2>/dev/null | tr -d ' ') || return 1
  [[ $sid == "$pid" ]]
}

start_node() { # datadir port: start in the background from DATADIR/node-PORT/args, record the session leader's PID
  local dir
  dir=$(node_dir "$1" "$2")
  [[ -f $dir/args ]] || die "no node on port $2 under $1"
  if [[ -f $dir/garnet.pid ]] && is_our_leader "$(cat "$dir/garnet.pid")"; then
    die "the node on port $2 is already running (pid $(cat "$dir/garnet.pid"))"
  fi
  rm -f "$dir/garnet.pid"
  # The session leader writes its own PID before exec'ing garnet.sh, which execs the launcher (through
  # deploy/garnet-entrypoint.sh with GARNET_PASSWORD, the password file in the node's directory): right whether or
  # not setsid had to fork.
  # shellcheck disable=SC2016
  (cd "$here" && setsid bash -c 'echo $$ >"$1/garnet.pid"; exec "$2" exec "$1" "${@:3}"' _ "$dir" "$here/scripts/garnet.sh" $(cat "$dir/args")) \
    >>"$dir/garnet.log" 2>&1 </dev/null &
  for _ in $(seq 1 50); do [[ -s $dir/garnet.pid ]] && return 0; sleep 0.1; done
  die "the node on port $2 did not start (see $dir/garnet.log)"
}

wait_ping() { # datadir port
  local deadline=$((SECONDS + start_timeout_s)) dir
  dir=$(node_dir "$1" "$2")
  until ping_node "$2"; do
    if (( SECONDS >= deadline )) || ! is_our_leader "$(cat "$dir/garnet.pid" 2>/dev/null || echo 0)"; then
      echo "garnet-cluster: the node on port $2 did not answer PING; its log:" >&2
      tail -30 "$dir/garnet.log" >&2
      return 1
    fi
    sleep 0.2
  done
}

stop_node() { # datadir port signal
  local dir pid
  dir=$(node_dir "$1" "$2")
  [[ -f $dir/garnet.pid ]] || return 0
  pid=$(cat "$dir/garnet.pid")
  if is_our_leader "$pid"; then
    kill "-$3" -- "-$pid" 2>/dev/null || true
    # Wait for the whole group (launcher and server) to be gone, so its port and files are free.
    for _ in $(seq 1 100); do
      pgrep -g "$pid" >/dev/null || break
      sleep 0.1
    done
    if pgrep -g "$pid" >/dev/null; then kill -KILL -- "-$pid" 2>/dev/null || true; sleep 0.2; fi
  fi
  rm -f "$dir/garnet.pid"
}

ports_of() { # datadir: the ports of the nodes recorded there, ascending
  local d
  for d in "$1"/node-*/; do
    [[ -f $d/args ]] && basename "$d" | sed 's/^node-//'
  done | sort -n
}

endpoints() { # datadir
  local out="" port
  for port in $(ports_of "$1"); do out+="${out:+,}$host:$port"; done
  echo "$out${GARNET_PASSWORD:+,password=$GARNET_PASSWORD}"
}

wait_ok() { # datadir seconds: every node cluster_state:ok and all slots assigned
  local deadline=$((SECONDS + $2)) port info pending
  while true; do
    pending=""
    for port in $(ports_of "$1"); do
      info=$(redis-cli -h "$host" -p "$port" --no-raw CLUSTER INFO 2>/dev/null | tr -d '\r' || true)
      if [[ $info != *cluster_state:ok* || $info != *cluster_slots_assigned:16384* ]]; then pending+=" $port"; fi
    done
    [[ -z $pending ]] && return 0
    if (( SECONDS >= deadline )); then
      echo "garnet-cluster: not cluster_state:ok after $2 s on:$pending" >&2
      return 1
    fi
    sleep 0.5
  done
}

case "${1:-}" in
  up)
    (( $# >= 4 )) || usage
    count=$2 base=$3 datadir=$4 replicas=0
    shift 4
    while (( $# )); do
      case $1 in
        --replicas) replicas=${2:?--replicas needs a number}; shift 2 ;;
        *) usage ;;
      esac
    done
    [[ $count =~ ^[0-9]+$ && $base =~ ^[0-9]+$ && $replicas =~ ^[0-9]+$ ]] || usage
    total=$((count * (1 + replicas)))
    (( count >= 3 )) || die "redis-cli --cluster create needs at least 3 primaries"
    (( base > 0 && base + total - 1 < 65536 )) || die "ports $base..$((base + total - 1)) are out of range"
    command -v redis-cli >/dev/null || die "redis-cli is not on the PATH (Debian: apt-get install redis-tools)"
    mkdir -p "$datadir"
    datadir=$(cd "$datadir" && pwd)
    [[ -z $(ports_of "$datadir") ]] || die "$datadir already holds a cluster: run down first, or choose another directory"

    (cd "$here" && dotnet tool restore >/dev/null) || die "dotnet tool restore failed"
    ports=()
    for (( i = 0; i < total; i++ )); do
      port=$((base + i))
      # Anything listening there (a Garnet or not) makes the port unusable.
      (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && die "port $port is taken"
      dir=$(node_dir "$datadir" "$port")
      mkdir -p "$dir/data"
      # The production flags (scripts/garnet.sh reads them from docker-compose.yml, with --auth when GARNET_PASSWORD
      # is set) plus cluster mode, and the user the nodes present to each other, as in docker-compose.cluster.yml
      # (the password they present goes into the node's password file with the clients' one: garnet.sh exec).
      flags=$("$here/scripts/garnet.sh" args "$port" "$dir/data") || die "scripts/garnet.sh could not give the node's flags"
      echo "$flags --cluster${GARNET_PASSWORD:+ --cluster-username default}" >"$dir/args"
      ports+=("$port")
    done

    # Start every node at once (each takes seconds to start on a busy box), then wait for all of them.
    for port in "${ports[@]}"; do start_node "$datadir" "$port"; done
    for port in "${ports[@]}"; do
      wait_ping "$datadir" "$port" || { "$0" down "$datadir"; exit 1; }
    done

    nodes=()
    for port in "${ports[@]}"; do nodes+=("$host:$port"); done
    if ! redis-cli --cluster create "${nodes[@]}" --cluster-replicas "$replicas" --cluster-yes >"$datadir/create.log" 2>&1; then
      cat "$datadir/create.log" >&2
      "$0" down "$datadir"
      die "redis-cli --cluster create failed"
    fi
    wait_ok "$datadir" 60 || { cat "$datadir/create.log" >&2; "$0" down "$datadir"; exit 1; }
    endpoints "$datadir" ;;

  down)
    (( $# == 2 )) || usage
    for port in $(ports_of "$2"); do stop_node "$2" "$port" TERM & done
    wait ;;

  endpoints)
    (( $# == 2 )) || usage
    endpoints "$2" ;;

  kill)
    (( $# == 3 || $# == 4 )) || usage
    stop_node "$2" "$3" "${4:-KILL}" ;;

  start)
    (( $# == 3 )) || usage
    start_node "$2" "$3"
    wait_ping "$2" "$3" ;;

  wait-ok)
    (( $# == 2 || $# == 3 )) || usage
    wait_ok "$2" "${3:-60}" ;;

  *)
    usage ;;
esac
