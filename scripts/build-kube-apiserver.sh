#!/usr/bin/env bash
# build-kube-apiserver.sh VERSION OUT: kube-apiserver built with Go from the
# k8s.io/kubernetes module, its staging modules (replaced by ./staging/… in its own
# go.mod, which `go build` of a dependency cannot follow) pinned to their released
# versions. Once per machine: about 12 minutes on 2 cores.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
VERSION=$1
OUT=$2
LOG="$VAR/log/k8s-verify.log"
command -v go >/dev/null || fail "k8s-verify:" "Go is needed to build kube-apiserver; install Go >= 1.22"
say "k8s-verify:" "building kube-apiserver $VERSION into $(dirname "$OUT") (once per machine, ~12 min; log in $LOG)"
SRC=$(mktemp -d)
trap 'rm -rf "$SRC"' EXIT
go mod download -json "k8s.io/kubernetes@$VERSION" >"$SRC/module.json" 2>>"$LOG" \
  || fail "k8s-verify:" "go mod download k8s.io/kubernetes@$VERSION failed; see $LOG"
GOMOD=$("$ROOT/.venv/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["GoMod"])' "$SRC/module.json")
{
  printf 'module commune.local/kubeapiserver\n\ngo 1.22\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$VERSION"
  sed -n 's|^\t\(k8s.io/[a-z-]*\) => ./staging/.*|\t\1 => \1 v0.'"${VERSION#v1.}"'|p' "$GOMOD"
  printf ')\n'
} >"$SRC/go.mod"
printf '//go:build tools\n\npackage tools\n\nimport _ "k8s.io/kubernetes/cmd/kube-apiserver"\n' >"$SRC/tools.go"
mkdir -p "$(dirname "$OUT")"
(cd "$SRC" && GOFLAGS=-mod=mod go mod tidy && go build -o "$OUT.part" k8s.io/kubernetes/cmd/kube-apiserver) >>"$LOG" 2>&1 \
  || fail "k8s-verify:" "building kube-apiserver failed; see $LOG"
mv "$OUT.part" "$OUT"
