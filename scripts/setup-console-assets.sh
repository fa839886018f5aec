#!/usr/bin/env bash
# The web console's browser side: htmx and its SSE extension from the npm registry into
# var/tools (served by the console itself: no CDN, it works on a commune LAN without
# internet).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
HTMX=2.0.11
HTMX_SSE=2.2.4
command -v npm >/dev/null || fail "Console:" "npm is needed for htmx; install Node.js and npm"
mkdir -p "$VAR/tools" "$VAR/log"
if [ ! -f "$VAR/tools/node_modules/htmx-ext-sse/package.json" ]; then
  say "Console:" "installing htmx.org@$HTMX and htmx-ext-sse@$HTMX_SSE into var/tools (once)"
  npm install --prefix "$VAR/tools" --silent --no-audit --no-fund \
    "htmx.org@$HTMX" "htmx-ext-sse@$HTMX_SSE" >>"$VAR/log/npm.log" 2>&1 \
    || fail "Console:" "npm install failed; see var/log/npm.log"
fi
