#!/usr/bin/env bash
# swagger-ui-dist (the workers' /docs API browser) from the npm registry into var/tools.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
VERSION=5.35.0
command -v npm >/dev/null || fail "API browser:" "npm is needed for swagger-ui-dist; install Node.js and npm"
say "API browser:" "installing swagger-ui-dist@$VERSION into var/tools (once)"
mkdir -p "$VAR/tools" "$VAR/log"
npm install --prefix "$VAR/tools" --silent --no-audit --no-fund "swagger-ui-dist@$VERSION" \
  >>"$VAR/log/npm.log" 2>&1 || fail "API browser:" "npm install failed; see var/log/npm.log"
