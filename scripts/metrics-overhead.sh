#!/usr/bin/env bash
# Throughput of POST /generate with and without a Prometheus-like scraper polling /metrics every second, and
# (optionally) against a build without metrics: one standalone Garnet, one fresh edge per run, runs alternated.
#   scripts/metrics-overhead.sh EDGE_BINARY [BASELINE_BINARY] [ROUNDS]
# Prints one line per run and the ratios of the medians. Traffic stays on 127.0.0.1.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
edge=$1 baseline=${2:-} rounds=${3:-2}
garnet_port=16420 edge_port=18095
garnet_dir=$(mktemp -d)
results=$(mktemp)
edge_pid= scraper_pid=

cleanup() {
  [[ -n $scraper_pid ]] && kill "$scraper_pid" 2>/dev/null || true
  [[ -n $edge_pid ]] && kill "$edge_pid" 2>/dev/null || true
  "$here/scripts/garnet.sh" stop "$garnet_dir" >/dev/null 2>&1 || true
  rm -rf "$garnet_dir" "$results"
}
trap cleanup EXIT

"$here/scripts/garnet.sh" start "$garnet_port" "$garnet_dir" >/dev/null

run() { # label binary scrape(0|1)
  local label=$1 binary=$2 scrape=$3
  "$binary" --urls "http://127.0.0.1:$edge_port" --store "127.0.0.1:$garnet_port" >/dev/null 2>&1 &
  edge_pid=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$edge_port/healthz" && break; sleep 0.1; done
  # Warm-up (connections to the store, first allocations), not measured.
  wrk -t1 -c32 -d2s -s "$here/loadtests/generate.lua" "http://127.0.0.1:$edge_port" >/dev/null 2>&1 || true
  if [[ $scrape == 1 ]]; then
    ( while sleep 1; do curl -s -o /dev/null "http://127.0.0.1:$edge_port/metrics"; done ) &
    scraper_pid=$!
  fi
  local rps
  rps=$(wrk -t1 -c32 -d10s -s "$here/loadtests/generate.lua" "http://127.0.0.1:$edge_port" 2>/dev/null | awk '/^Requests\/sec:/ { print $2 }')
  if [[ -n $scraper_pid ]]; then kill "$scraper_pid" 2>/dev/null || true; wait "$scraper_pid" 2>/dev/null || true; scraper_pid=; fi
  kill "$edge_pid"; wait "$edge_pid" 2>/dev/null || true; edge_pid=
  printf '%-22s %10s req/s\n' "$label" "$rps"
  echo "$label $rps" >>"$results"
}

for round in $(seq 1 "$rounds"); do
  # Alternate the order each round so a drift in machine load does not favour one variant.
  if (( round % 2 )); then order=(plain scraped base); else order=(base scraped plain); fi
  for variant in "${order[@]}"; do
    case $variant in
      plain) run "metrics, no scraper" "$edge" 0 ;;
      scraped) run "metrics, scraped 1/s" "$edge" 1 ;;
      base) [[ -n $baseline ]] && run "no metrics (baseline)" "$baseline" 0 ;;
    esac
  done
done

median() { grep -F "$1" "$results" | awk '{ print $NF }' | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
plain=$(median "metrics, no scraper") scraped=$(median "metrics, scraped 1/s")
echo "scraped / not scraped: $(awk -v a="$scraped" -v b="$plain" 'BEGIN { printf "%.3f", a / b }')"
if [[ -n $baseline ]]; then
  base=$(median "no metrics (baseline)")
  echo "metrics (not scraped) / baseline: $(awk -v a="$plain" -v b="$base" 'BEGIN { printf "%.3f", a / b }')"
fi
