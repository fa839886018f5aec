#!/usr/bin/env bash
# toxiproxy (the reliability suite's faults between the processes and the broker or
# database): its server and cli built with `go install`, once per machine, outside the
# clone and keyed by version; var/tools/bin links to them.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
VERSION=v2.5.0
TOOLS=${COMMUNE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/commune-tools}
DIR="$TOOLS/toxiproxy-$VERSION"

if [ ! -x "$DIR/server" ] || [ ! -x "$DIR/cli" ]; then
  command -v go >/dev/null || fail "toxiproxy:" "Go is needed to build toxiproxy $VERSION; install Go >= 1.22"
  say "toxiproxy:" "building $VERSION into $DIR (once per machine; log in var/log/toxiproxy-build.log)"
  mkdir -p "$DIR"
  for cmd in server cli; do
    GOBIN="$DIR" go install "github.com/Shopify/toxiproxy/v2/cmd/$cmd@$VERSION" \
      >>"$VAR/log/toxiproxy-build.log" 2>&1 \
      || fail "toxiproxy:" "go install failed; see var/log/toxiproxy-build.log"
  done
fi
mkdir -p "$VAR/tools/bin"
ln -sf "$DIR/server" "$VAR/tools/bin/toxiproxy-server"
ln -sf "$DIR/cli" "$VAR/tools/bin/toxiproxy-cli"
