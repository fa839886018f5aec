#!/usr/bin/env bash
# The web console's browser side: htmx and its SSE extension, Leaflet (the IOC map) and
# ECharts (trend charts) from the npm registry into var/tools, pinned (served by the
# console itself: no CDN, it works on a commune LAN without internet).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PACKAGES=(htmx.org@2.0.11 htmx-ext-sse@2.2.4 leaflet@1.9.4 echarts@6.1.0)
command -v npm >/dev/null || fail "Console:" "npm is needed for the console's scripts; install Node.js and npm"
mkdir -p "$VAR/tools" "$VAR/log"
missing=()
for package in "${PACKAGES[@]}"; do
  name=${package%@*} version=${package##*@}
  grep -qs "\"version\": \"$version\"" "$VAR/tools/node_modules/$name/package.json" \
    || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "Console:" "installing ${missing[*]} into var/tools (once)"
  npm install --prefix "$VAR/tools" --silent --no-audit --no-fund --save-exact "${missing[@]}" \
    >>"$VAR/log/npm.log" 2>&1 || fail "Console:" "npm install failed; see var/log/npm.log"
fi
