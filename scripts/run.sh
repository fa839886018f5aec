#!/usr/bin/env bash
# make run: the broker and database (started where missing), demo data, then every
# process under honcho, each kept up by commune-supervise. Ctrl-C stops the processes,
# and the broker and database only if this run started them.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
export COMMUNE_STARTED_LIST="$VAR/run/make-run.$$.started"
: >"$COMMUNE_STARTED_LIST"
stop_what_this_run_started() {
  local started
  mapfile -t started < <(sort -u "$COMMUNE_STARTED_LIST")
  rm -f "$COMMUNE_STARTED_LIST"
  if [ ${#started[@]} -gt 0 ]; then scripts/stop-infra.sh "${started[@]}"; fi
}
trap stop_what_this_run_started EXIT
scripts/infra.sh
# The queues first, so that the events the seed publishes wait for their consumers; then
# kpi's task facts from the tasks stored before those queues existed (an older run).
.venv/bin/commune topology
.venv/bin/commune seed
.venv/bin/commune kpi rebuild-task-facts
.venv/bin/commune urls
.venv/bin/honcho start -f "${COMMUNE_PROCFILE:-Procfile}"
