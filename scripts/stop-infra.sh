#!/usr/bin/env bash
# Stop only the servers that the set-up scripts started themselves.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
if [ -f "$VAR/run/ferretdb.pid" ]; then
  kill "$(cat "$VAR/run/ferretdb.pid")" 2>/dev/null && say "FerretDB:" "stopped"
  rm -f "$VAR/run/ferretdb.pid"
fi
if [ -f "$VAR/run/rabbitmq.started" ]; then
  as_root /etc/init.d/rabbitmq-server stop >/dev/null 2>&1 && say "RabbitMQ:" "stopped"
  rm -f "$VAR/run/rabbitmq.started"
fi
