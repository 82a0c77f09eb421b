#!/usr/bin/env bash
# Scale-out measured on this box: the Native-AOT edge against one Garnet node and against a 3-node Garnet cluster,
# side by side in one run, with the generate and reveal scenarios of loadtests/ (wrk + generate.lua / reveal.lua),
# the CPU each process spent per request, and the store's per-command cost (redis-benchmark against one node) for a
# paper estimate of what 1 M secrets/s needs. Writes loadtests/results/cluster.md.
#
#   loadtests/cluster.sh            ~3 minutes after the publish: per scenario and topology 2 s warm-up + 2 x 5 s
#   loadtests/cluster.sh --quick    ~1.5 minutes: 1 s warm-up + 1 x 3 s; prints the report, writes nothing
#
# Topologies (all on 127.0.0.1, Garnet with the docker-compose flags: AOF + commit-wait, data on tmpfs):
#   1-node    1 edge  -> 1 Garnet (scripts/garnet.sh)
#   3-node    1 edge  -> 3-node Garnet cluster (scripts/garnet-cluster.sh)
#   3x3       3 edges -> the same 3-node cluster, one wrk per edge (connections split), throughputs summed
#
# Environment: OTS_EDGE_BINARY=PATH (a published AOT edge; default: publish one), OTS_LOADTEST_CONNECTIONS=N (total
# connections per topology, default 32). Exit status: 0 when every run saw only expected statuses, 1 otherwise (the
# report is still written), 2 when the set-up failed.
here=$(cd "$(dirname "$0")" && pwd)
log_tag=cluster
# shellcheck source=lib/common.sh
source "$here/lib/common.sh"

quick=0
for arg in "$@"; do
  case $arg in
    --quick) quick=1 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "cluster.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

connections=${OTS_LOADTEST_CONNECTIONS:-32}
if (( quick )); then
  warmup_s=1 measure_s=3 reps=1 bench_n=100000 report=cluster-quick
else
  warmup_s=2 measure_s=5 reps=2 bench_n=300000 report=cluster
fi

for tool in wrk redis-cli redis-benchmark curl; do
  command -v "$tool" >/dev/null || { echo "cluster.sh: $tool is not on the PATH" >&2; exit 2; }
done
for script in generate reveal; do
  [[ -f $here/$script.lua ]] || { echo "cluster.sh: loadtests/$script.lua is missing" >&2; exit 2; }
done

shm=/dev/shm
[[ -d $shm && -w $shm ]] || shm=${TMPDIR:-/tmp}
work=$(mktemp -d "$shm/ots-cluster-loadtest.XXXXXX")
mkdir -p "$work/logs"
results="$here/results"
mkdir -p "$results"

# --- cleanup: everything this script started, by PID / recorded PIDs -------------------------------------------------
edge_pids=()
cleanup() {
  stop_pids "${edge_pids[@]}"
  "$root/scripts/garnet.sh" stop "$work/garnet-1" 2>/dev/null || true
  "$root/scripts/garnet-cluster.sh" down "$work/cluster" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the edge ------------------------------------------------------------------------------------------------------
if [[ -n ${OTS_EDGE_BINARY:-} ]]; then
  [[ -x $OTS_EDGE_BINARY ]] || fail_setup "OTS_EDGE_BINARY=$OTS_EDGE_BINARY is not an executable"
  edge_binary=$OTS_EDGE_BINARY
  edge_origin="OTS_EDGE_BINARY (built elsewhere)"
else
  log "publishing the AOT edge"
  dotnet publish src/Ots.Edge -c Release -r linux-x64 -o "$work/edge" >"$work/logs/publish.log" 2>&1 \
    || { tail -20 "$work/logs/publish.log"; fail_setup "AOT publish of the edge"; }
  edge_binary=$work/edge/Ots.Edge
  edge_origin="published from the working tree$([[ -n $(git status --porcelain -- src 2>/dev/null) ]] && echo ', with uncommitted changes in src/')"
fi

# --- stores ---------------------------------------------------------------------------------------------------------
free_ports 1 || fail_setup "no free port"
single_port=$port_found
log "starting 1 Garnet on :$single_port (data on $shm)"
"$root/scripts/garnet.sh" start "$single_port" "$work/garnet-1" >/dev/null || fail_setup "Garnet did not start"

free_ports 3 || fail_setup "no free ports"
cluster_base=$port_found
log "starting a 3-node Garnet cluster on :$cluster_base-$((cluster_base + 2))"
cluster_store=$("$root/scripts/garnet-cluster.sh" up 3 "$cluster_base" "$work/cluster") || fail_setup "the cluster did not form"

# --- edges ----------------------------------------------------------------------------------------------------------
declare -A edge_port edge_pid
start_edge() { # name store
  local name=$1 store=$2
  free_ports 1 || fail_setup "no free port"
  edge_port[$name]=$port_found
  "$edge_binary" --urls "http://127.0.0.1:$port_found" --store "$store" >"$work/logs/$name.log" 2>&1 </dev/null &
  edge_pid[$name]=$!
  edge_pids+=("$!")
  for _ in $(seq 1 150); do
    # Ready, not just up: on the cluster that means every slot is served.
    if curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$port_found/readyz"; then return 0; fi
    kill -0 "${edge_pid[$name]}" 2>/dev/null || break
    sleep 0.2
  done
  cat "$work/logs/$name.log" >&2
  fail_setup "edge $name did not become ready"
}
start_edge single "127.0.0.1:$single_port"
start_edge c1 "$cluster_store"
start_edge c2 "$cluster_store"
start_edge c3 "$cluster_store"

topologies=(1-node 3-node 3x3)
declare -A topology_edges=([1-node]="single" [3-node]="c1" [3x3]="c1 c2 c3")
declare -A topology_label=([1-node]="1 edge → 1 Garnet" [3-node]="1 edge → 3-node cluster" [3x3]="3 edges → 3-node cluster")

# Process groups of the store of a topology (Garnet runs as a launcher + server: count both).
store_groups() {
  case $1 in
    1-node) cat "$work/garnet-1/garnet.pid" ;;
    *) cat "$work"/cluster/node-*/garnet.pid ;;
  esac
}
# CPU ticks (utime + stime) of PIDs / of every process in some process groups.
ticks_of_pids() { local pid; for pid in "$@"; do awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0; done | awk '{ s += $1 } END { print s + 0 }'; }
ticks_of_groups() { local g; for g in "$@"; do pgrep -g "$g" | while read -r pid; do awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || true; done; done | awk '{ s += $1 } END { print s + 0 }'; }
hz=$(getconf CLK_TCK)

failures=0
raw="$work/raw.tsv"
: >"$raw"

# One measured run: every edge of the topology under its own wrk (connections split), all at once.
run() { # topology scenario seconds tag
  local topology=$1 scenario=$2 seconds=$3 tag=$4
  local edges=(${topology_edges[$topology]}) n i conns pids=() edge_list=() groups
  n=${#edges[@]}
  for edge in "${edges[@]}"; do edge_list+=("${edge_pid[$edge]}"); done
  mapfile -t groups < <(store_groups "$topology")
  local edge_before store_before edge_after store_after
  edge_before=$(ticks_of_pids "${edge_list[@]}")
  store_before=$(ticks_of_groups "${groups[@]}")
  for (( i = 0; i < n; i++ )); do
    conns=$(( connections / n + (i < connections % n ? 1 : 0) ))
    wrk -t1 -c"$conns" -d"${seconds}s" --timeout 10s --latency -s "$here/$scenario.lua" \
      "http://127.0.0.1:${edge_port[${edges[i]}]}" >"$work/logs/$tag.$i.txt" 2>&1 &
    pids+=("$!")
  done
  local status=0
  for pid in "${pids[@]}"; do wait "$pid" || status=1; done
  edge_after=$(ticks_of_pids "${edge_list[@]}")
  store_after=$(ticks_of_groups "${groups[@]}")

  # Sum requests/s; latency percentiles of the first wrk (the others see the same distribution); unexpected statuses.
  local rps requests p50 p99 unexpected errors
  rps=$(cat "$work"/logs/"$tag".*.txt | awk '/^Requests\/sec:/ { s += $2 } END { printf "%.0f", s }')
  requests=$(cat "$work"/logs/"$tag".*.txt | awk '/requests in/ { s += $1 } END { print s + 0 }')
  p50=$(awk '$1 == "50%" { print $2 }' "$work/logs/$tag.0.txt")
  p99=$(awk '$1 == "99%" { print $2 }' "$work/logs/$tag.0.txt")
  unexpected=$(cat "$work"/logs/"$tag".*.txt | sed -nE 's/^OTS_RESULT .*"unexpected":(-?[0-9]+).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
  errors=$(cat "$work"/logs/"$tag".*.txt | awk '/Socket errors/ { gsub(",", ""); s += $4 + $6 + $8 + $10 } END { print s + 0 }')
  if (( status != 0 || unexpected != 0 || errors != 0 )) || [[ -z $rps || $rps == 0 ]]; then
    failures=$((failures + 1))
    log "$scenario on $topology: FAILED (wrk status $status, $unexpected unexpected responses, $errors socket errors)"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$topology" "$scenario" "$rps" "$requests" "$p50" "$p99" \
    "$((edge_after - edge_before))" "$((store_after - store_before))" "$unexpected" >>"$raw"
  log "$scenario on ${topology_label[$topology]}: $rps req/s, p50 $p50, p99 $p99"
}

# What the stores burn with no request at all (gossip, AOF and background tasks): part of every per-request figure.
declare -A idle_pct
for topology in 1-node 3-node; do
  mapfile -t groups < <(store_groups "$topology")
  before=$(ticks_of_groups "${groups[@]}")
  sleep 3
  after=$(ticks_of_groups "${groups[@]}")
  idle_pct[$topology]=$(( (after - before) * 100 / hz / 3 ))
  log "idle CPU of the ${topology} store: ${idle_pct[$topology]} % of a core"
done

started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "warming up (${warmup_s} s of each scenario per topology)"
for topology in "${topologies[@]}"; do
  for scenario in generate reveal; do run "$topology" "$scenario" "$warmup_s" "warmup-$topology-$scenario" >/dev/null; done
done
: >"$raw"
failures=0

# Per scenario, the topologies in turn; the second repetition runs them in reverse order, so a drift in the
# machine's background load weighs on every topology alike.
for scenario in generate reveal; do
  for (( rep = 1; rep <= reps; rep++ )); do
    order=("${topologies[@]}")
    (( rep % 2 == 0 )) && order=(3x3 3-node 1-node)
    for topology in "${order[@]}"; do run "$topology" "$scenario" "$measure_s" "$scenario-$topology-$rep"; done
  done
done

# --- the store's per-command cost: redis-benchmark against the single node --------------------------------------------
# generate = SET guard 5 PX ttl NX + SET record <blob> PX ttl NX (pipelined);
# reveal   = SET record "" XX GET KEEPTTL (the claim) + GET guard, then DEL guard record (fire-and-forget).
# 8 connections x 32 pipelined (the multiplexer pipelines too). Garnet's CPU time over the run gives µs per command.
log "store cost per command (redis-benchmark -c 8 -P 32 -n $bench_n against 1 node)"
blob=$(head -c 75 /dev/zero | tr '\0' 'x') # a sealed 46-byte secret: 29 bytes of format overhead + 46
bench_raw="$work/bench.tsv"
: >"$bench_raw"
bench() { # name keyspace command...
  local name=$1 keyspace=$2 before after line rps; shift 2
  before=$(ticks_of_groups "$(cat "$work/garnet-1/garnet.pid")")
  line=$(redis-benchmark -p "$single_port" -c 8 -P 32 -n "$bench_n" -r "$keyspace" --csv "$@" 2>/dev/null | tail -1)
  after=$(ticks_of_groups "$(cat "$work/garnet-1/garnet.pid")")
  rps=$(cut -d, -f2 <<<"$line" | tr -d '"')
  printf '%s\t%s\t%s\n' "$name" "${rps:-0}" "$((after - before))" >>"$bench_raw"
  log "  $name: ${rps:-?} commands/s"
}
bench set-guard 1000000000 SET 'ots:{__rand_int__}' 5 PX 3600000 NX
bench set-record 1000000000 SET 'ots:{__rand_int__}:t' "$blob" PX 3600000 NX
redis-benchmark -p "$single_port" -c 4 -P 64 -n 40000 -r 10000 -q SET 'ots:{__rand_int__}' 5 PX 3600000 >/dev/null 2>&1 || true
redis-benchmark -p "$single_port" -c 4 -P 64 -n 40000 -r 10000 -q SET 'ots:{__rand_int__}:t' "$blob" PX 3600000 >/dev/null 2>&1 || true
bench claim 10000 SET 'ots:{__rand_int__}:t' '' XX GET KEEPTTL
bench get-guard 10000 GET 'ots:{__rand_int__}'
bench del-both 10000 DEL 'ots:{__rand_int__}' 'ots:{__rand_int__}:t'
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the report ---------------------------------------------------------------------------------------------------------
out="$results/$report.md"
(( quick )) && out="$work/$report.md"
log "writing $out"
{
  echo "# Scale-out: 1 Garnet node vs a 3-node Garnet cluster, on this box"
  echo
  echo "Generated by \`loadtests/cluster.sh$([[ $quick == 1 ]] && echo ' --quick')\` at $started_at, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
  echo "Machine: $(nproc) cores, load average $load_before before and $load_after after (other work was running)."
  echo "wrk -t1 per edge, $connections connections per topology in total, ${reps} x ${measure_s} s per scenario and topology after"
  echo "${warmup_s} s of warm-up; Garnet with the docker-compose flags (AOF + commit-wait) on tmpfs; the Native-AOT edge,"
  echo "$edge_origin."
  echo
  echo "## Throughput (requests/s; reveal = generate → reveal pairs, both counted)"
  echo
  echo "| scenario | $(for t in "${topologies[@]}"; do printf '%s | ' "${topology_label[$t]}"; done)"
  echo "|---|$(for _ in "${topologies[@]}"; do printf -- '---:|'; done)"
  for scenario in generate reveal; do
    printf '| %s | ' "$scenario"
    for t in "${topologies[@]}"; do
      awk -F'\t' -v t="$t" -v s="$scenario" '$1 == t && $2 == s { r += $3; n++; if ($5 != "") p50 = p50 (p50 ? "/" : "") $5; if ($6 != "") p99 = p99 (p99 ? "/" : "") $6 }
        END { if (n) printf "%.0f (p50 %s, p99 %s) | ", r / n, p50, p99; else printf "– | " }' "$raw"
    done
    echo
  done
  echo
  echo "## CPU per request (µs of CPU time, all edges and all store processes of the topology)"
  echo
  echo "| scenario | topology | edge µs/request | store µs/request |"
  echo "|---|---|---:|---:|"
  for scenario in generate reveal; do
    for t in "${topologies[@]}"; do
      awk -F'\t' -v t="$t" -v s="$scenario" -v hz="$hz" -v label="${topology_label[$t]}" \
        '$1 == t && $2 == s { q += $4; e += $7; st += $8 }
         END { if (q) printf "| %s | %s | %.0f | %.0f |\n", s, label, e / hz * 1e6 / q, st / hz * 1e6 / q }' "$raw"
    done
  done
  echo
  echo "With no request at all the stores use ${idle_pct[1-node]} % of a core (1 node) and ${idle_pct[3-node]} % (3 nodes), included above: what"
  echo "grows with the node count is the cost of each request (contention, smaller batches), not idle background work."
  echo
  echo "## The store's cost per command (redis-benchmark -c 8 -P 32 against 1 node)"
  echo
  echo "| command | commands/s | Garnet CPU µs/command |"
  echo "|---|---:|---:|"
  awk -F'\t' -v hz="$hz" -v n="$bench_n" '{ printf "| %s | %.0f | %.2f |\n", $1, $2, $3 / hz * 1e6 / n }' "$bench_raw"
  echo
  echo "## Why 3 nodes do not beat 1 here"
  echo
  awk -F'\t' '
    { r[$1 "/" $2] += $3; n[$1 "/" $2]++ }
    END {
      g1 = r["1-node/generate"] / n["1-node/generate"]; g3 = r["3-node/generate"] / n["3-node/generate"]; g9 = r["3x3/generate"] / n["3x3/generate"]
      v1 = r["1-node/reveal"] / n["1-node/reveal"]; v3 = r["3-node/reveal"] / n["3-node/reveal"]; v9 = r["3x3/reveal"] / n["3x3/reveal"]
      printf "Against 1 node, the 3-node cluster gives %.2fx (generate) and %.2fx (reveal) with one edge, %.2fx and %.2fx with three.\n", g3 / g1, v3 / v1, g9 / g1, v9 / v1
    }' "$raw"
  cat <<'TEXT'
Sharding adds capacity only where there are idle cores to put it on. This box has 2 cores shared by wrk, the edges,
every Garnet process and whatever else runs on it, so a cluster adds no CPU, only processes that compete for the
same two cores (each Garnet node runs its own network, AOF-commit and background threads). It also costs the edge
work: its StackExchange.Redis multiplexer keeps one connection per node, so the commands of concurrent requests are
split three ways and each socket write and read carries a third of the batch, i.e. more system calls per request;
Garnet's AOF commit-wait groups fewer writes per commit for the same reason. Three edges on the same 2 cores are
three more runtimes competing for them. The CPU-per-request table shows it: the same request costs several times
more CPU as processes are added. On real hardware, where each edge and each Garnet node has cores of its own,
per-request cost stays near the uncontended 1-edge -> 1-node figures and throughput grows with the node count: no
request ever touches more than one slot (both keys of a secret share a hash tag), so nothing limits it but the
per-node capacity.
TEXT
  echo
  echo "## Paper estimate: 1 M secrets/s"
  echo
  echo "One secret = one generate + one reveal: 2 HTTP requests and 5 store commands (SET NX + SET NX; SET XX GET +"
  echo "GET + DEL of both keys). CPU per secret from this run, uncontended figures (1 edge -> 1 node) as the base:"
  echo
  awk -F'\t' -v hz="$hz" -v n="$bench_n" '
    FILENAME == ARGV[1] { cpu[$1] = $3 / hz * 1e6 / n; next }
    $2 == "reveal" { q[$1] += $4; e[$1] += $7; st[$1] += $8 }
    END {
      bench = cpu["set-guard"] + cpu["set-record"] + cpu["claim"] + cpu["get-guard"] + cpu["del-both"]
      edge1 = 2 * e["1-node"] / hz * 1e6 / q["1-node"]; edge3 = 2 * e["3-node"] / hz * 1e6 / q["3-node"]
      store1 = 2 * st["1-node"] / hz * 1e6 / q["1-node"]
      per = 16 * 0.6
      printf "| per secret | CPU µs | cores for 1 M/s | 16-core nodes at 60 %% |\n|---|---:|---:|---:|\n"
      printf "| store, redis-benchmark (deep pipelines, ideal) | %.0f | %.0f | %d |\n", bench, bench, int(bench / per + 0.999)
      printf "| store, as driven by the edge (1 edge -> 1 node) | %.0f | %.0f | %d |\n", store1, store1, int(store1 / per + 0.999)
      printf "| edge, talking to 1 node | %.0f | %.0f | %d |\n", edge1, edge1, int(edge1 / per + 0.999)
      printf "| edge, talking to a 3-node cluster (contended) | %.0f | %.0f | %d |\n", edge3, edge3, int(edge3 / per + 0.999)
      printf "\nSo 1 M secrets/s (2 M requests/s, 5 M store commands/s) needs about %d-%d Garnet primaries and %d-%d edge nodes of 16\n", \
        int(bench / per + 0.999), int(store1 / per + 0.999), int(edge1 / per + 0.999), int(edge3 / per + 0.999)
      printf "cores (the range: ideal vs measured here; a 2-core VM under other load overstates both), plus one replica per\n"
      printf "primary if a lost disk must not lose secrets, and load balancers for 2 M requests/s. Slot count is no limit\n"
      printf "(16384 slots); Garnet AOF commit-wait on real disks adds latency per commit, not CPU, and is amortised by\n"
      printf "group commit at this rate.\n"
    }' "$bench_raw" "$raw"
} >"$out.tmp"
mv "$out.tmp" "$out"
cat "$out"

if (( failures > 0 )); then
  log "$failures run(s) saw unexpected statuses or socket errors"
  exit 1
fi
log "done"
