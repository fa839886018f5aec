#!/usr/bin/env bash
# The AsyncAPI tools from the npm registry into var/tools: the official JSON Schemas of
# the specification (@asyncapi/specs) and the official parser, which validates a document
# (schema, references, rules) for scripts/validate-asyncapi.mjs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
SPECS=6.11.1
PARSER=3.6.3
command -v npm >/dev/null || fail "asyncapi:" "npm is needed for the AsyncAPI tools; install Node.js and npm"
say "asyncapi:" "installing @asyncapi/specs@$SPECS and @asyncapi/parser@$PARSER into var/tools (once)"
mkdir -p "$VAR/tools"
npm install --prefix "$VAR/tools" --silent --no-audit --no-fund \
  "@asyncapi/specs@$SPECS" "@asyncapi/parser@$PARSER" >>"$VAR/log/npm.log" 2>&1 \
  || fail "asyncapi:" "npm install failed; see var/log/npm.log"
