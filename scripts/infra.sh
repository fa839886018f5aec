#!/usr/bin/env bash
# make infra: RabbitMQ and FerretDB started where missing, then both answering.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"$ROOT/scripts/ensure-rabbitmq.sh"
"$ROOT/scripts/ensure-ferretdb.sh"
"$ROOT/.venv/bin/commune" wait
