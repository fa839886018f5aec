#!/usr/bin/env bash
# make run: demo data, then every process under honcho; Ctrl-C stops them all,
# and the broker and database too when the set-up started them.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
trap 'scripts/stop-infra.sh' EXIT
# The queues first, so that the events the seed publishes wait for their consumers; then
# kpi's task facts from the tasks stored before those queues existed (an older run).
.venv/bin/commune topology
.venv/bin/commune seed
.venv/bin/commune kpi rebuild-task-facts
.venv/bin/commune urls
.venv/bin/honcho start -f Procfile
