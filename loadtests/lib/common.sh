# Sourced by loadtests/run.sh and loadtests/cluster.sh (which set $here to their directory and $log_tag first):
# strict mode, the repository root as working directory, the environment both measure in, and their shared helpers.
set -euo pipefail

root=$(cd "$here/.." && pwd)
cd "$root"
# Garnet here listens on 127.0.0.1 only, and redis-cli and redis-benchmark talk to it without AUTH: no password
# (scripts/garnet.sh adds --auth when GARNET_PASSWORD is set).
unset GARNET_PASSWORD
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '[%s %s] %s\n' "$log_tag" "$(date +%H:%M:%S)" "$*"; }
fail_setup() { log "FAILED: $*"; exit 2; }

# Stops processes this script started, by PID: SIGTERM to all, up to 5 s each to go, then SIGKILL.
stop_pids() {
  local pid
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}

# Free ports below the ephemeral range (FACTS.md: ports in 32768-60999 can be taken by outgoing connections), never
# the same one twice in a run.
taken_ports=" "
port_free() {
  [[ $taken_ports != *" $1 "* ]] && ! ss -Htln "sport = :$1" 2>/dev/null | grep -q . \
    && ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
free_ports() { # count -> sets $port_found to the first of COUNT consecutive free ports
  local count=$1 candidate i ok
  for _ in $(seq 1 200); do
    candidate=$((20000 + RANDOM % (12000 - count)))
    ok=1
    for (( i = 0; i < count; i++ )); do port_free $((candidate + i)) || { ok=0; break; }; done
    if (( ok )); then
      for (( i = 0; i < count; i++ )); do taken_ports+="$((candidate + i)) "; done
      port_found=$candidate
      return 0
    fi
  done
  return 1
}
