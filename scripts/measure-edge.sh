#!/usr/bin/env bash
# Side by side, one run: the Native-AOT edge and the JIT edge against one standalone Garnet.
# Prints binary size, time from exec to the first 201, idle RSS, and peak RSS under a short wrk load.
#   scripts/measure-edge.sh [AOT_BINARY] [JIT_DLL]    (defaults: out/Ots.Edge, src/Ots.Edge/bin/Release/net10.0/Ots.Edge.dll)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
aot=${1:-$here/out/Ots.Edge}
jit=${2:-$here/src/Ots.Edge/bin/Release/net10.0/Ots.Edge.dll}
[[ -x $aot ]] || { echo "no AOT binary at $aot: dotnet publish src/Ots.Edge -c Release -r linux-x64 -o out" >&2; exit 2; }
[[ -f $jit ]] || { echo "no JIT build at $jit: dotnet build -c Release src/Ots.Edge" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 2; }

work=$(mktemp -d)
garnet_port=16390 edge_port=18390
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  "$here/scripts/garnet.sh" stop "$work/garnet"
}
trap cleanup EXIT
"$here/scripts/garnet.sh" start "$garnet_port" "$work/garnet" >/dev/null

cat >"$work/generate.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"secret":"the launch code is 0000","phrase":"correct horse"}'
LUA

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

measure() {
  local name=$1; shift
  local start end pid code size
  start=$(date +%s%N)
  "$@" --urls "http://127.0.0.1:$edge_port" --store "127.0.0.1:$garnet_port" >"$work/$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 2000); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -d '{"secret":"s","phrase":"p"}' "http://127.0.0.1:$edge_port/generate" || true)
    [[ $code == 201 ]] && break
    sleep 0.005
  done
  end=$(date +%s%N)
  sleep 2
  local idle; idle=$(rss_kib "$pid")
  wrk -t1 -c32 -d10s -s "$work/generate.lua" "http://127.0.0.1:$edge_port/generate" >"$work/$name.wrk"
  local rps; rps=$(awk '/Requests\/sec/ {print $2}' "$work/$name.wrk")
  local peak; peak=$(hwm_kib "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  printf '| %s | %s | %d ms | %d MiB | %d MiB | %s |\n' "$name" "$size_text" $(((end - start) / 1000000)) $((idle / 1024)) $((peak / 1024)) "$rps"
}

echo "| build | size | exec → first 201 | idle RSS | peak RSS (10 s generate load) | generate req/s |"
echo "|---|---|---|---|---|---|"
size_text="$(($(stat -c %s "$aot") / 1024 / 1024)) MiB binary"
measure aot "$aot"
jit_dir=$(dirname "$jit")
size_text="$(($(du -sk "$jit_dir" | cut -f1) / 1024)) MiB folder (+ shared runtime)"
measure jit dotnet "$jit"
