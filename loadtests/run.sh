#!/usr/bin/env bash
# Load tests, side by side in one run: the Native-AOT edge, its twin (the same service as an ASP.NET Core minimal
# API; loadtests/Twin) run with `dotnet`, and the twin published with Native AOT, all against one standalone Garnet
# started with the docker-compose flags (scripts/garnet.sh) and emptied before each scenario, plus the store's own ceiling (redis-benchmark with
# the commands one request costs) and the HTTP floor (GET /healthz).
#
#   loadtests/run.sh            full run, ~4 minutes after the publishes: per scenario and server 2 s warm-up + 4 x 3 s
#                               measured; writes loadtests/results/latest.{md,json,png}
#   loadtests/run.sh --quick    smoke run, ~1 minute: 1 s warm-up + 2 s per scenario and server, no AOT twin;
#                               writes loadtests/results/quick.{md,json,png} (gitignored)
#   loadtests/run.sh --reuse    measure again with the binaries the last run published (loadtests/results/bin/)
#
# Environment:
#   OTS_EDGE_BINARY=PATH        use this published AOT edge instead of publishing one (CI passes its out/Ots.Edge)
#   OTS_LOADTEST_TWIN_AOT=0|1   publish and measure the AOT twin (default: 1 for a full run, 0 for --quick)
#   OTS_LOADTEST_GARNET_DIR=DIR Garnet's data directory (default: a fresh one on /dev/shm, see below)
#   OTS_LOADTEST_CONNECTIONS=N  connections per server (default 32; another N writes latest-cN.* / quick-cN.*)
#
# Exit status: 0 when every run saw only the statuses its scenario expects and no socket errors; 1 when some run
# did not (the reports are still written and say which); 2 when the set-up failed (publish, start, health).
#
# Choices, explained in README "Performance" and in the report:
# - wrk -t1 -c32: one wrk thread (one event loop drives far more than these servers answer, and a second thread
#   would only take CPU from the server on a 2-core box), 32 connections to keep the server and its store
#   pipeline busy. Every server gets the same, in turn, per scenario, so noise on the machine spreads evenly.
# - Garnet's data directory is on tmpfs by default: Garnet runs with the production flags (AOF + commit-wait), but
#   this VM's disk takes ~8 ms per fsync, which would make every write-bound scenario a disk benchmark. Set
#   OTS_LOADTEST_GARNET_DIR to a disk path to measure that instead.
here=$(cd "$(dirname "$0")" && pwd)
log_tag=loadtest
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"

quick=0
reuse=0
for arg in "$@"; do
  case $arg in
    --quick) quick=1 ;;
    --reuse) reuse=1 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

connections=${OTS_LOADTEST_CONNECTIONS:-32}
[[ $connections =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: OTS_LOADTEST_CONNECTIONS must be a positive number" >&2; exit 2; }
if (( quick )); then
  warmup_s=1 measure_s=2 reps=1 first_warmup_s=2 store_s=1 name=quick twin_aot=${OTS_LOADTEST_TWIN_AOT:-0}
else
  warmup_s=2 measure_s=3 reps=4 first_warmup_s=5 store_s=2 name=latest twin_aot=${OTS_LOADTEST_TWIN_AOT:-1}
fi
# Another concurrency is another report, next to the c32 one: latest-c128.md, quick-c8.md, ...
if (( connections != 32 )); then name+="-c$connections"; fi

results="$here/results"
work="$results/work"
bin="$results/bin" # published servers, kept for --reuse (gitignored)
raw="$work/raw.jsonl"
mkdir -p "$results"
rm -rf "$work"
mkdir -p "$work/logs"

# --- cleanup: everything this script started, by PID -------------------------------------------------------
pids=()
garnet_dir=""
cleanup() {
  stop_pids "${pids[@]}"
  if [[ -n $garnet_dir ]]; then
    "$root/scripts/garnet.sh" stop "$garnet_dir" || true
    if [[ -z ${OTS_LOADTEST_GARNET_DIR:-} ]]; then rm -rf "$garnet_dir"; fi
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- publish -------------------------------------------------------------------------------------------------
publish() { # what dotnet-publish-arguments... (the output directory is $bin/$what)
  local what=$1; shift
  local started=$SECONDS
  if (( reuse )) && [[ -d $bin/$what ]]; then
    log "reusing $bin/$what"
    return 0
  fi
  rm -rf "${bin:?}/$what"
  log "publishing $what"
  if ! dotnet publish "$@" -o "$bin/$what" >"$work/logs/publish-$what.log" 2>&1; then
    tail -20 "$work/logs/publish-$what.log"
    return 1
  fi
  log "published $what in $((SECONDS - started)) s"
}

if [[ -n ${OTS_EDGE_BINARY:-} ]]; then
  [[ -x $OTS_EDGE_BINARY ]] || fail_setup "OTS_EDGE_BINARY=$OTS_EDGE_BINARY is not an executable"
  edge_binary=$(cd "$(dirname "$OTS_EDGE_BINARY")" && pwd)/$(basename "$OTS_EDGE_BINARY")
  log "edge: $edge_binary (given)"
else
  publish edge src/Ots.Edge -c Release -r linux-x64 || fail_setup "AOT publish of the edge"
  edge_binary="$bin/edge/Ots.Edge"
fi

publish twin loadtests/Twin -c Release || fail_setup "publish of the twin"
if [[ $twin_aot == 1 ]]; then
  if ! publish twin-aot loadtests/Twin -c Release -r linux-x64 -p:PublishAot=true; then
    log "the AOT twin did not publish: measuring without it (see $work/logs/publish-twin-aot.log)"
    twin_aot=0
  fi
fi

# --- Garnet -------------------------------------------------------------------------------------------------
if [[ -n ${OTS_LOADTEST_GARNET_DIR:-} ]]; then
  garnet_dir=$OTS_LOADTEST_GARNET_DIR
elif [[ -d /dev/shm && -w /dev/shm ]]; then
  garnet_dir=$(mktemp -d /dev/shm/ots-loadtest-garnet.XXXXXX)
else
  garnet_dir="$work/garnet"
fi
free_ports 1 || fail_setup "no free port for Garnet"
garnet_port=$port_found
log "starting Garnet on 127.0.0.1:$garnet_port, data in $garnet_dir"
"$root/scripts/garnet.sh" start "$garnet_port" "$garnet_dir" >/dev/null || fail_setup "Garnet did not start"

# --- servers ------------------------------------------------------------------------------------------------
servers=(edge twin)
[[ $twin_aot == 1 ]] && servers+=(twin-aot)
declare -A port pid label
label[edge]="edge (AOT)"
label[twin]="twin (JIT)"
label[twin-aot]="twin (AOT)"

start_server() {
  local server=$1 p
  free_ports 1 || fail_setup "no free port for $server"
  p=$port_found
  port[$server]=$p
  local dir command
  case $server in
    # A load test is one client address making many 403/404 on purpose (mixed.lua): the per-address limit on failed
    # reveals would answer it 429, so it is off here.
    edge)     dir=$work;          command=("$edge_binary" --max-failed-reveals 0) ;;
    twin)     dir=$bin/twin;     command=(dotnet Twin.dll) ;;
    twin-aot) dir=$bin/twin-aot; command=(./Twin) ;;
  esac
  # In its own directory (the twin reads appsettings.json from there), and exec'd so that $! is the server itself.
  (cd "$dir" && exec "${command[@]}" --urls "http://127.0.0.1:$p" --store "127.0.0.1:$garnet_port") \
    >"$work/logs/$server.log" 2>&1 </dev/null &
  pid[$server]=$!
  pids+=("${pid[$server]}")
  for _ in $(seq 1 150); do
    if curl -fs -o /dev/null --max-time 1 "http://127.0.0.1:$p/healthz"; then
      if [[ $(readlink "/proc/${pid[$server]}/exe" 2>/dev/null) != *"${command[0]#./}" ]]; then
        log "warning: pid ${pid[$server]} is not $server's own process: its RSS would be wrong"
      fi
      log "${label[$server]} listening on 127.0.0.1:$p (pid ${pid[$server]})"
      return 0
    fi
    kill -0 "${pid[$server]}" 2>/dev/null || break
    sleep 0.2
  done
  cat "$work/logs/$server.log" >&2
  fail_setup "$server did not answer /healthz"
}

for server in "${servers[@]}"; do start_server "$server"; done

# An empty store for the next scenario (FLUSHALL; Garnet keeps running, and so stays warm: a restarted Garnet
# serves several times fewer commands/s in its first seconds while its JIT catches up, which would penalise whichever
# server goes first). What one scenario (and the store ceiling, which writes up to a million keys) left in Garnet's
# log would otherwise slow the next one down as the log fills towards --memory and spills to the storage tier.
empty_store() {
  [[ $(redis-cli -p "$garnet_port" FLUSHALL 2>&1) == OK ]] || fail_setup "FLUSHALL on Garnet failed"
}

# --- measurement helpers ---------------------------------------------------------------------------------------
# CPU time (user + system) in clock ticks: of one process, and of every process in Garnet's session (the
# garnet-server launcher and the server it starts; scripts/garnet.sh runs them under setsid, its PID is the session).
clock_ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
session_ticks() {
  local total=0 p
  for p in $(ps -o pid= --sid "$1" 2>/dev/null); do total=$((total + $(cpu_ticks "$p"))); done
  echo "$total"
}
garnet_session() { cat "$garnet_dir/garnet.pid" 2>/dev/null || echo 0; }

# Peak RSS of a measured run, from the kernel: writing 5 to /proc/PID/clear_refs resets the process's high-water mark
# (VmHWM) to its current RSS, and VmHWM afterwards is the exact peak in between. Nothing runs during the
# measurement: an earlier version sampled VmRSS every 100 ms from a bash loop, and its forks (awk, sleep), 20 a
# second on the 2 cores the servers and Garnet share, cost every server a quarter to a third of its requests/s (the
# servers are latency-bound at 32 connections, so each preemption stalls a whole store round trip).
peak_rss_reset() { echo 5 2>/dev/null >"/proc/$1/clear_refs"; }
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
peak_rss_scope=run

failures=0
wrk_run() { # server scenario seconds output [script args...]
  local server=$1 scenario=$2 seconds=$3 out=$4; shift 4
  local script=$scenario
  [[ $scenario == reveal-only ]] && script=reveal
  local args=()
  (( $# )) && args=(-- "$@")
  wrk -t1 -c"$connections" -d"${seconds}s" --timeout 10s --latency -s "$here/$script.lua" \
    "http://127.0.0.1:${port[$server]}" "${args[@]}" >"$out" 2>&1
}

measure() { # server scenario rep [script args...]
  local server=$1 scenario=$2 rep=$3; shift 3
  local tag="$scenario-$server-$rep" status=0
  if (( rep == 1 && warmup_s > 0 )) && [[ $scenario != reveal-only ]]; then
    wrk_run "$server" "$scenario" "$warmup_s" "$work/logs/$tag.warmup.txt" || true
  fi
  if ! peak_rss_reset "${pid[$server]}"; then
    # Not allowed here (clear_refs needs the process's owner or CAP_SYS_ADMIN): the peak since the server started.
    [[ $peak_rss_scope == lifetime ]] || log "cannot reset the peak RSS of ${label[$server]}: reporting peaks since start"
    peak_rss_scope=lifetime
  fi
  local server_cpu0 garnet_cpu0 server_cpu1 garnet_cpu1
  server_cpu0=$(cpu_ticks "${pid[$server]}")
  garnet_cpu0=$(session_ticks "$(garnet_session)")
  wrk_run "$server" "$scenario" "$measure_s" "$work/logs/$tag.txt" "$@" || status=$?
  server_cpu1=$(cpu_ticks "${pid[$server]}")
  garnet_cpu1=$(session_ticks "$(garnet_session)")

  local line
  line=$(grep -m1 '^OTS_RESULT ' "$work/logs/$tag.txt" | cut -d' ' -f2- || true)
  local rss
  rss=$(hwm_kib "${pid[$server]}")
  if [[ -z $line ]]; then
    log "$scenario on ${label[$server]}: wrk failed (exit $status):"
    tail -5 "$work/logs/$tag.txt"
    line='{"scenario":"'$scenario'","unexpected":-1,"note":"wrk printed no result"}'
    failures=$((failures + 1))
  else
    # A run fails on any unexpected status and on any socket error.
    local unexpected errors
    unexpected=$(sed -E 's/.*"unexpected":(-?[0-9]+).*/\1/' <<<"$line")
    errors=$(grep -oE '"(connect|read|write|timeout)":[0-9]+' <<<"$line" | awk -F: '{ s += $2 } END { print s + 0 }')
    if (( status != 0 || unexpected != 0 || errors != 0 )); then
      failures=$((failures + 1))
      log "$scenario on ${label[$server]}: FAILED (wrk exit $status, $unexpected unexpected responses, $errors socket errors)"
    fi
    grep -m1 -E "^$scenario: " "$work/logs/$tag.txt" | sed "s/^/[${label[$server]}] /" || true
  fi
  printf '{"kind":"wrk","server":"%s","label":"%s","scenario":"%s","rep":%s,"rss_peak_kib":%s,"server_cpu_s":%s,"garnet_cpu_s":%s,"result":%s}\n' \
    "$server" "${label[$server]}" "$scenario" "$rep" "${rss:-0}" \
    "$(awk -v t=$((server_cpu1 - server_cpu0)) -v hz="$clock_ticks" 'BEGIN { printf "%.3f", t / hz }')" \
    "$(awk -v t=$((garnet_cpu1 - garnet_cpu0)) -v hz="$clock_ticks" 'BEGIN { printf "%.3f", t / hz }')" \
    "$line" >>"$raw"
}

# --- the store ceiling: redis-benchmark with the commands one request costs ----------------------------------------
# generate = SET guard 5 PX ttl NX + SET record <blob> PX ttl NX (pipelined);
# reveal   = SET record "" XX GET KEEPTTL (the claim) + GET guard, then DEL guard record (fire-and-forget).
# Keys are random (__rand_int__); the claim, GET and DEL run on a key space filled beforehand, so they hit.
# Each command twice at the same concurrency: over $connections connections with one command in flight each
# (redis-benchmark's usual shape), and over one connection with $connections pipelined, which is how the
# StackExchange.Redis multiplexer of both servers talks to the store (with commit-wait, Garnet then waits for
# one AOF commit per batch instead of one per connection).
store_bench() { # shape n command...
  local shape=$1 n=$2; shift 2
  local flags=(-c "$connections" -P 1)
  [[ $shape == pipelined ]] && flags=(-c 1 -P "$connections")
  redis-benchmark -p "$garnet_port" "${flags[@]}" -n "$n" -r "$store_keyspace" --csv "$@" 2>/dev/null | tail -1
}
store_run() { # name command...
  local name=$1 shape probe rps n line avg min p50 p95 p99 max; shift
  for shape in "${store_shapes[@]}"; do
    # A short probe sizes the measured run to about store_s seconds (redis-benchmark counts requests, not time).
    probe=$(store_bench "$shape" 500 "$@")
    rps=$(cut -d, -f2 <<<"$probe" | tr -d '"' | cut -d. -f1)
    n=$(( ${rps:-1000} * store_s ))
    (( n < 1000 )) && n=1000
    (( n > 500000 )) && n=500000
    line=$(store_bench "$shape" "$n" "$@")
    # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
    IFS=, read -r _ rps avg min p50 p95 p99 max <<<"$(tr -d '"' <<<"$line")"
    if [[ -z ${rps:-} ]]; then
      log "redis-benchmark $name ($shape) failed"
      failures=$((failures + 1))
      continue
    fi
    printf '{"kind":"store","command":"%s","shape":"%s","requests":%s,"rps":%s,"p50_ms":%s,"p95_ms":%s,"p99_ms":%s,"max_ms":%s}\n' \
      "$name" "$shape" "$n" "$rps" "$p50" "$p95" "$p99" "$max" >>"$raw"
    log "store: $name over $shape: $rps commands/s, p50 $p50 ms, p99 $p99 ms"
  done
}

# The smoke run measures only the shape the servers use, to stay short.
store_shapes=(connections pipelined)
(( quick )) && store_shapes=(pipelined)
blob=$(head -c 75 /dev/zero | tr '\0' 'x') # a sealed 46-byte secret: 29 bytes of format overhead + 46
store_keyspace=1000000000
measure_store() {
  store_run set-guard SET 'ots:{__rand_int__}' 5 PX 3600000 NX
  store_run set-record SET 'ots:{__rand_int__}:tag' "$blob" PX 3600000 NX
  # Fill a small key space (pipelined, not measured) so that the reveal's commands find their keys.
  store_keyspace=10000
  redis-benchmark -p "$garnet_port" -c 4 -P 64 -n 40000 -r "$store_keyspace" -q SET 'ots:{__rand_int__}' 5 PX 3600000 >/dev/null 2>&1 || true
  redis-benchmark -p "$garnet_port" -c 4 -P 64 -n 40000 -r "$store_keyspace" -q SET 'ots:{__rand_int__}:tag' "$blob" PX 3600000 >/dev/null 2>&1 || true
  store_run claim SET 'ots:{__rand_int__}:tag' '' XX GET KEEPTTL
  store_run get-guard GET 'ots:{__rand_int__}'
  store_run del-both DEL 'ots:{__rand_int__}' 'ots:{__rand_int__}:tag'
}

# --- the run ---------------------------------------------------------------------------------------------------
started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "warming up every server (${first_warmup_s} s of the mixed flow each)"
for server in "${servers[@]}"; do
  wrk_run "$server" mixed "$first_warmup_s" "$work/logs/first-warmup-$server.txt" || true
done

log "store ceiling (redis-benchmark -c $connections)"
# Not measured: Garnet runs each connection's commands on a thread-pool thread that waits out the AOF commit, so
# the first time 32 connections write at once it is short of threads and adds them slowly (the first measured
# command type used to show ~1,000 commands/s with a p99 of seconds, against ~15,000 for the next one).
redis-benchmark -p "$garnet_port" -c "$connections" -P 1 -n 20000 -r "$store_keyspace" -q \
  SET 'warm:{__rand_int__}' x PX 60000 >/dev/null 2>&1 || true
measure_store

# Per scenario, the servers in turn, every other repetition in reverse order (A B C, C B A, A B C, C B A), so a drift
# in the machine's background load weighs on every server alike. Four short repetitions rather than two long ones:
# on 2 shared cores the same server's throughput moves by 20-40 % between consecutive seconds (how many requests
# each store round trip batches feeds back into the CPU each request costs), and interleaving more often averages
# that out instead of letting one server's unlucky stretch decide a ratio.
scenarios=(floor generate reveal-only reveal mixed)
reversed=()
for (( i = ${#servers[@]} - 1; i >= 0; i-- )); do reversed+=("${servers[i]}"); done
for scenario in "${scenarios[@]}"; do
  # reveal-only reveals the keys of the generate runs, so it keeps their store.
  [[ $scenario != reveal-only ]] && empty_store
  log "scenario $scenario: ${warmup_s} s warm-up, then $reps x ${measure_s} s measured per server, wrk -t1 -c$connections"
  for (( rep = 1; rep <= reps; rep++ )); do
    order=("${servers[@]}")
    (( rep % 2 == 0 )) && order=("${reversed[@]}")
    for server in "${order[@]}"; do
      case $scenario in
        generate)    measure "$server" generate "$rep" "keys=$work/keys-$server-$rep" ;;
        reveal-only) measure "$server" reveal-only "$rep" "keys=$work/keys-$server-$rep" ;;
        *)           measure "$server" "$scenario" "$rep" ;;
      esac
    done
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

edge_size=$(stat -c %s "$edge_binary")
twin_aot_size=0
[[ $twin_aot == 1 ]] && twin_aot_size=$(stat -c %s "$bin/twin-aot/Twin")
printf '{"kind":"meta","name":"%s","quick":%s,"started_at":"%s","commit":"%s","dirty":%s,"cores":%s,"load_before":"%s","load_after":"%s","connections":%s,"reused_binaries":%s,"wrk_threads":1,"warmup_s":%s,"measure_s":%s,"reps":%s,"garnet_flags":"%s","garnet_data":"%s","edge_binary_bytes":%s,"twin_aot_binary_bytes":%s,"peak_rss":"%s","failures":%s}\n' \
  "$name" "$([[ $quick == 1 ]] && echo true || echo false)" "$started_at" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  "$([[ -n $(git status --porcelain -- src 2>/dev/null) ]] && echo true || echo false)" "$(nproc)" "$load_before" "$load_after" \
  "$connections" "$([[ $reuse == 1 ]] && echo true || echo false)" "$warmup_s" "$measure_s" "$reps" "$("$root/scripts/garnet.sh" args "$garnet_port" "$garnet_dir" | sed "s#$garnet_dir#DIR#g; s#$garnet_port#PORT#")" \
  "$([[ $garnet_dir == /dev/shm/* ]] && echo tmpfs || echo disk)" "$edge_size" "$twin_aot_size" "$peak_rss_scope" "$failures" >>"$raw"

# --- the report ---------------------------------------------------------------------------------------------------
log "writing $results/$name.{json,md,png}"
if ! dotnet run -c Release --project "$here/Report" -- "$raw" "$results/$name" >"$work/logs/report.log" 2>&1; then
  cat "$work/logs/report.log"
  fail_setup "the report did not build or run"
fi
cat "$work/logs/report.log"

if (( failures > 0 )); then
  log "$failures run(s) saw unexpected statuses or errors: see $results/$name.md"
  exit 1
fi
log "done"
