#!/usr/bin/env bash
# Make a RabbitMQ broker available: AMQP_URI if given, else one already on the
# port, else Debian's rabbitmq-server, installed once and started.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PORT=${RABBITMQ_PORT:-5672}

if [ -n "${AMQP_URI:-}" ]; then say "RabbitMQ:" "using AMQP_URI"; exit 0; fi
if port_open 127.0.0.1 "$PORT"; then say "RabbitMQ:" "using the broker already on :$PORT"; exit 0; fi

if [ ! -x /usr/sbin/rabbitmq-server ]; then
  say "RabbitMQ:" "installing Debian's rabbitmq-server (once, ~1 min; log in var/log/apt.log)"
  as_root apt-get update -qq >>"$VAR/log/apt.log" 2>&1
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server \
    >>"$VAR/log/apt.log" 2>&1 || fail "RabbitMQ:" "apt-get install failed; see var/log/apt.log"
fi

say "RabbitMQ:" "starting on :$PORT"
# Machines without systemd (containers, CI) still have the package's init script.
as_root "$RABBITMQ_INIT" start >"$VAR/log/rabbitmq-start.log" 2>&1 \
  || fail "RabbitMQ:" "could not start; see var/log/rabbitmq-start.log and /var/log/rabbitmq/"
touch "$VAR/run/rabbitmq.started"
note_started rabbitmq
wait_port RabbitMQ 127.0.0.1 "$PORT" 60 /var/log/rabbitmq/
