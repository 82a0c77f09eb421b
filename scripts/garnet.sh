#!/usr/bin/env bash
# A standalone Garnet from the tool manifest, with exactly the flags of docker-compose.yml's garnet service
# (the bind address, port and data directory are substituted). With GARNET_PASSWORD set, Garnet starts as the compose
# file starts it, through deploy/garnet-entrypoint.sh: --auth Password, the password in a file (DATADIR/garnet-auth.json,
# 0600), never on a command line. Without it the loopback-only Garnet runs without --auth.
#   scripts/garnet.sh start PORT DATADIR     start in the background, wait until it answers PING, print its PID
#   scripts/garnet.sh stop DATADIR           stop what `start` started there (by the PID it recorded)
#   scripts/garnet.sh args PORT DATADIR      print the flags only (they never hold the password)
#   scripts/garnet.sh exec AUTHDIR FLAGS...  run Garnet in the foreground with FLAGS (the password file in AUTHDIR)
#   scripts/garnet.sh ping PORT              exit 0 when the Garnet on PORT answers PING (after AUTH with the password)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

garnet_args() {
  local port=$1 dir=$2 line
  line=$(grep -E '^\s*command: \["--bind"' "$here/docker-compose.yml")
  # Compose always asks for the password; without GARNET_PASSWORD here, drop --auth.
  [[ -n ${GARNET_PASSWORD:-} ]] || line=${line/, \"--auth\", \"Password\"/}
  if [[ $line == *'$'* ]]; then
    echo "docker-compose.yml's garnet command has a variable this script does not know: $line" >&2
    return 1
  fi
  # A one-line flow sequence of plain tokens: strip the brackets, quotes and commas.
  echo "$line" | sed -E 's/.*command: \[(.*)\].*/\1/; s/[",]//g' \
    | sed -E "s#(^| )0\.0\.0\.0( |$)#\1127.0.0.1\2#; s#--port 6379#--port $port#; s#--checkpointdir /data#--checkpointdir $dir#; s#--logdir /data#--logdir $dir#"
}

exec_garnet() { # authdir flags...: replaces this shell with Garnet (the tool manifest's, so from the repository)
  local authdir=$1
  shift
  cd "$here"
  if [[ -n ${GARNET_PASSWORD:-} ]]; then
    GARNET_SERVER="dotnet garnet-server" GARNET_AUTH_FILE="$authdir/garnet-auth.json" \
      exec bash "$here/deploy/garnet-entrypoint.sh" "$@"
  fi
  exec dotnet garnet-server "$@"
}

ping_garnet() {
  # RESP PING over bash's /dev/tcp, so no redis-cli is needed; a subshell keeps the descriptor and errors local.
  local port=$1
  (
    exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
    if [[ -n ${GARNET_PASSWORD:-} ]]; then
      printf '*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n' "${#GARNET_PASSWORD}" "$GARNET_PASSWORD" >&3
      read -r -t 2 reply <&3 || exit 1
      [[ $reply == +OK* ]] || exit 1
    fi
    printf 'PING\r\n' >&3
    read -r -t 2 reply <&3 || exit 1
    [[ $reply == +PONG* ]]
  ) 2>/dev/null
}

case "${1:-}" in
  args)
    garnet_args "$2" "$3" ;;
  exec)
    exec_garnet "$2" "${@:3}" ;;
  ping)
    ping_garnet "$2" ;;
  start)
    port=$2 dir=$3
    mkdir -p "$dir"
    cd "$here"
    dotnet tool restore >/dev/null
    # The tool is a launcher that starts a second dotnet process: give it its own process group to stop both.
    args=$(garnet_args "$port" "$dir")
    # shellcheck disable=SC2086
    setsid "$0" exec "$dir" $args >"$dir/garnet.log" 2>&1 < /dev/null &
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
    sed -n '2,10p' "$0"; exit 2 ;;
esac
