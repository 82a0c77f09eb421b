#!/usr/bin/env bash
# A standalone Garnet from the tool manifest, with exactly the flags of docker-compose.yml's garnet service
# (the bind address, port and data directory are substituted).
#   scripts/garnet.sh start PORT DATADIR   start in the background, wait until it answers PING, print its PID
#   scripts/garnet.sh stop DATADIR         stop what `start` started there (by the PID it recorded)
#   scripts/garnet.sh args PORT DATADIR    print the flags only
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

garnet_args() {
  local port=$1 dir=$2 line
  line=$(grep -E '^\s*command: \["--bind"' "$here/docker-compose.yml")
  # A one-line flow sequence of plain tokens: strip the brackets, quotes and commas.
  echo "$line" | sed -E 's/.*command: \[(.*)\].*/\1/; s/[",]//g' \
    | sed -E "s#(^| )0\.0\.0\.0( |$)#\1127.0.0.1\2#; s#--port 6379#--port $port#; s#--checkpointdir /data#--checkpointdir $dir#"
}

ping_garnet() {
  # RESP PING over bash's /dev/tcp, so no redis-cli is needed; a subshell keeps the descriptor and errors local.
  local port=$1
  (
    exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
    printf 'PING\r\n' >&3
    read -r -t 2 reply <&3 || exit 1
    [[ $reply == +PONG* ]]
  ) 2>/dev/null
}

case "${1:-}" in
  args)
    garnet_args "$2" "$3" ;;
  start)
    port=$2 dir=$3
    mkdir -p "$dir"
    cd "$here"
    dotnet tool restore >/dev/null
    # The tool is a launcher that starts a second dotnet process: give it its own process group to stop both.
    # shellcheck disable=SC2046
    setsid dotnet garnet-server $(garnet_args "$port" "$dir") >"$dir/garnet.log" 2>&1 < /dev/null &
    echo $! >"$dir/garnet.pid"
    for _ in $(seq 1 150); do
      if ping_garnet "$port"; then cat "$dir/garnet.pid"; exit 0; fi
      sleep 0.2
    done
    echo "garnet did not answer on port $port within 30 s; its log:" >&2
    cat "$dir/garnet.log" >&2
    exit 1 ;;
  stop)
    dir=$2
    if [[ -f $dir/garnet.pid ]]; then
      kill -TERM -- "-$(cat "$dir/garnet.pid")" 2>/dev/null || true
      rm -f "$dir/garnet.pid"
    fi ;;
  *)
    sed -n '2,7p' "$0"; exit 2 ;;
esac
