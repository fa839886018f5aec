#!/usr/bin/env bash
# buf (proto lint and breaking-change checks) from the npm registry into var/tools.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
VERSION=1.75.0
command -v npm >/dev/null || fail "buf:" "npm is needed to install buf; install Node.js and npm"
say "buf:" "installing @bufbuild/buf@$VERSION into var/tools (once)"
mkdir -p "$VAR/tools"
npm install --prefix "$VAR/tools" --silent --no-audit --no-fund "@bufbuild/buf@$VERSION" \
  >>"$VAR/log/npm.log" 2>&1 || fail "buf:" "npm install failed; see var/log/npm.log"
