#!/usr/bin/env bash
# Starts Garnet with its password in a configuration file, never on its command line: any user of the host can read
# a process's command line (`ps`, /proc/PID/cmdline, for containers too), but not its files or environment.
# The entrypoint of every Garnet in docker-compose.yml and docker-compose.cluster.yml, and what scripts/garnet.sh and
# scripts/garnet-cluster.sh run when GARNET_PASSWORD is set, so the tests run it too.
#
#   garnet-entrypoint.sh GARNET_FLAGS...      the flags must include --auth Password
#
# Environment:
#   GARNET_PASSWORD   required; letters, digits, '-' and '_' only (it also goes into StackExchange.Redis settings).
#                     With --cluster among the flags, the node also presents it to the other nodes (ClusterPassword;
#                     --cluster-username stays a flag). Garnet itself does not get the variable.
#   GARNET_AUTH_FILE  the configuration file to write, mode 0600, replaced at every start
#                     (default /tmp/garnet-auth.json: the container's own /tmp, not the data volume)
#   GARNET_SERVER     the Garnet command, split on spaces (default /app/GarnetServer, the image's entrypoint)
set -euo pipefail

die() { echo "garnet-entrypoint: $*" >&2; exit 64; }

password=${GARNET_PASSWORD:-}
[[ -n $password ]] || die "GARNET_PASSWORD is not set"
[[ $password =~ ^[A-Za-z0-9_-]+$ ]] || die "GARNET_PASSWORD: letters, digits, '-' and '_' only"
[[ " $* " == *" --auth Password "* ]] || die "the flags lack --auth Password: Garnet would ignore the password"
[[ " $* " != *" --password "* && " $* " != *" --cluster-password "* ]] ||
  die "a password flag is on the command line: GARNET_PASSWORD is the only way in"

cluster=""
[[ " $* " == *" --cluster "* ]] && cluster=", \"ClusterPassword\": \"$password\""

# Garnet reads the file as JSON options (GarnetConf), under its command-line flags. Written beside and renamed, so a
# reader never sees half a file; umask in a subshell, so only the file is private.
file=${GARNET_AUTH_FILE:-/tmp/garnet-auth.json}
(umask 077 && printf '{"Password": "%s"%s}\n' "$password" "$cluster" >"$file.new" && mv -f "$file.new" "$file") ||
  die "could not write $file"

unset GARNET_PASSWORD
# shellcheck disable=SC2086 # GARNET_SERVER is a command line: `dotnet garnet-server` for the tool manifest's Garnet.
exec ${GARNET_SERVER:-/app/GarnetServer} --config-import-path "$file" --config-import-format GarnetConf "$@"
