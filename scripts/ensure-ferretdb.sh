#!/usr/bin/env bash
# Make a MongoDB-wire database available: MONGO_URI if given, else one already on
# the port, else FerretDB on its SQLite backend with data under var/ferretdb.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
VERSION=v1.24.2
PORT=${FERRETDB_PORT:-27017}
DEBUG_PORT=${FERRETDB_DEBUG_PORT:-8088}
# Built once per machine, outside the clone, so that every clone reuses the build.
TOOLS=${COMMUNE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/commune-tools}
BIN="$TOOLS/ferretdb-$VERSION/ferretdb"

if [ -n "${MONGO_URI:-}" ]; then say "FerretDB:" "using MONGO_URI"; exit 0; fi
if port_open 127.0.0.1 "$PORT"; then say "FerretDB:" "using the database already on :$PORT"; exit 0; fi

build() {
  command -v go >/dev/null || fail "FerretDB:" "Go is needed to build FerretDB $VERSION; install Go >= 1.24"
  say "FerretDB:" "building $VERSION into $TOOLS (once per machine, ~1-2 min; log in var/log/ferretdb-build.log)"
  # Not 'go install …@version': the module proxy refuses this module's version list,
  # which go install asks for; the version's own zip is served. A build outside
  # FerretDB's git checkout also needs build/version/version.txt (its documented way).
  local mod src="$VAR/src/ferretdb-$VERSION"
  mkdir -p "$VAR/src"
  mod=$(go mod download -json "github.com/FerretDB/FerretDB@$VERSION" 2>>"$VAR/log/ferretdb-build.log" \
        | sed -n 's/.*"Dir": "\(.*\)".*/\1/p') \
    || fail "FerretDB:" "could not download the module; see var/log/ferretdb-build.log"
  [ -n "$mod" ] || fail "FerretDB:" "the module download gave no source; see var/log/ferretdb-build.log"
  mkdir -p "$(dirname "$BIN")"
  rm -rf "$src"
  cp -r "$mod" "$src"
  chmod -R u+w "$src"
  echo "$VERSION" >"$src/build/version/version.txt"
  (cd "$src" && go build -trimpath -o "$BIN" ./cmd/ferretdb) >>"$VAR/log/ferretdb-build.log" 2>&1 \
    || fail "FerretDB:" "build failed; see var/log/ferretdb-build.log"
}

# Not `… || build`: bash ignores set -e inside a function called from a || list.
if ! "$BIN" --version 2>/dev/null | grep -q "$VERSION"; then
  build
  [ -x "$BIN" ] || fail "FerretDB:" "the build left no binary; see var/log/ferretdb-build.log"
fi

mkdir -p "$VAR/ferretdb"
say "FerretDB:" "starting on :$PORT (data in var/ferretdb, metrics on :$DEBUG_PORT)"
nohup "$BIN" --handler=sqlite --sqlite-url="file:$VAR/ferretdb/" --state-dir="$VAR/ferretdb" \
  --listen-addr="127.0.0.1:$PORT" --debug-addr="127.0.0.1:$DEBUG_PORT" \
  --telemetry=disable --log-level=warn >"$VAR/log/ferretdb.log" 2>&1 &
echo $! >"$VAR/run/ferretdb.pid"
note_started ferretdb
wait_port FerretDB 127.0.0.1 "$PORT" 30 var/log/ferretdb.log
