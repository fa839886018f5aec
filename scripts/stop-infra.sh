#!/usr/bin/env bash
# Stop servers that the set-up scripts started themselves (those with a marker in
# var/run): the ones named (rabbitmq, ferretdb), or all of them when none is named.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
[ $# -gt 0 ] || set -- ferretdb rabbitmq
for name in "$@"; do
  case $name in
    ferretdb)
      if [ -f "$VAR/run/ferretdb.pid" ]; then
        kill "$(cat "$VAR/run/ferretdb.pid")" 2>/dev/null && say "FerretDB:" "stopped"
        rm -f "$VAR/run/ferretdb.pid"
      fi ;;
    rabbitmq)
      if [ -f "$VAR/run/rabbitmq.started" ]; then
        as_root "$RABBITMQ_INIT" stop >/dev/null 2>&1 && say "RabbitMQ:" "stopped"
        rm -f "$VAR/run/rabbitmq.started"
      fi ;;
    *) fail "stop:" "no server called '$name' (rabbitmq, ferretdb)" ;;
  esac
done
