#!/usr/bin/env bash
# The tools that check deploy/k8s offline (tests/deploy): kustomize and kube-score built
# with Go, promtool from Debian's prometheus package, and the CustomResourceDefinitions
# of the operators the manifests use, from their Go modules. Each is kept once per
# machine in ~/.cache/commune-tools, keyed by version, so every clone reuses it; this
# clone gets links to them in var/tools/bin and var/tools/crds.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
KUSTOMIZE=v5.8.2
KUBE_SCORE=v1.20.0
PROMETHEUS_OPERATOR=v0.85.0
# v2.21 needs Go 1.27, newer than the machine's.
KEDA=v2.20.2
MONGODB_OPERATOR=v0.9.0
TOOLS=${COMMUNE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/commune-tools}
LOG="$VAR/log/deploy-tools.log"
mkdir -p "$VAR/tools/bin" "$VAR/tools/crds" "$TOOLS"

need_go() {
  command -v go >/dev/null || fail "deploy tools:" "Go is needed to build $1; install Go >= 1.24"
}

# go_tool NAME VERSION PACKAGE: `go install PACKAGE@VERSION` into the cache, once.
go_tool() {
  local bin="$TOOLS/$1-$2/$1"
  if [ ! -x "$bin" ]; then
    need_go "$1"
    say "deploy tools:" "building $1 $2 into $TOOLS (once per machine, a few minutes; log in var/log/deploy-tools.log)"
    GOBIN="$TOOLS/$1-$2" go install "$3@$2" >>"$LOG" 2>&1 \
      || fail "deploy tools:" "building $1 failed; see var/log/deploy-tools.log"
  fi
  ln -sfn "$bin" "$VAR/tools/bin/$1"
}

# promtool alone, unpacked from Debian's prometheus package (no server installed, none
# started); keyed by the package's version.
promtool() {
  local version dir deb
  version=$(apt-cache policy prometheus 2>/dev/null | sed -n 's/ *Candidate: //p')
  if [ -z "$version" ] || [ "$version" = "(none)" ]; then
    as_root apt-get update -qq >>"$LOG" 2>&1
    version=$(apt-cache policy prometheus | sed -n 's/ *Candidate: //p')
  fi
  [ -n "$version" ] && [ "$version" != "(none)" ] \
    || fail "deploy tools:" "Debian's package list has no prometheus package (for promtool)"
  dir="$TOOLS/promtool-$version"
  if [ ! -x "$dir/promtool" ]; then
    say "deploy tools:" "unpacking promtool from Debian's prometheus $version into $TOOLS (once)"
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && apt-get download "prometheus=$version") >>"$LOG" 2>&1 \
      || fail "deploy tools:" "apt-get download prometheus failed; see var/log/deploy-tools.log"
    deb=$(ls "$tmp"/prometheus_*.deb)
    dpkg-deb -x "$deb" "$tmp/root"
    mkdir -p "$dir"
    cp "$tmp/root/usr/bin/promtool" "$dir/promtool"
    rm -rf "$tmp"
  fi
  ln -sfn "$dir/promtool" "$VAR/tools/bin/promtool"
}

# crds MODULE VERSION FILE…: the operator's own CRD files, from its Go module (a download,
# nothing built), into the cache.
crds() {
  local module=$1 version=$2 dir src tmp="$VAR/tools/go-mod-download.json"
  shift 2
  dir="$TOOLS/crds/${module//\//_}@$version"
  if [ ! -f "$dir/.complete" ]; then
    need_go "the CRDs of $module"
    say "deploy tools:" "taking the CRDs of $module $version from its Go module (once)"
    # Not in a pipe: a failed download (its JSON says why) must stop here, not go unseen.
    go mod download -json "$module@$version" >"$tmp" 2>>"$LOG" || true
    src=$(sed -n 's/.*"Dir": "\(.*\)".*/\1/p' "$tmp")
    [ -n "$src" ] || fail "deploy tools:" "go mod download $module@$version failed: $(grep '"Error"' "$tmp")"
    mkdir -p "$dir"
    for file in "$@"; do cp "$src/$file" "$dir/"; done
    touch "$dir/.complete"
  fi
  for file in "$@"; do ln -sfn "$dir/$(basename "$file")" "$VAR/tools/crds/$(basename "$file")"; done
}

go_tool kustomize "$KUSTOMIZE" sigs.k8s.io/kustomize/kustomize/v5
go_tool kube-score "$KUBE_SCORE" github.com/zegl/kube-score/cmd/kube-score
promtool
crds github.com/prometheus-operator/prometheus-operator "$PROMETHEUS_OPERATOR" \
  example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml \
  example/prometheus-operator-crd/monitoring.coreos.com_podmonitors.yaml \
  example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml
crds github.com/kedacore/keda/v2 "$KEDA" \
  config/crd/bases/keda.sh_scaledobjects.yaml \
  config/crd/bases/keda.sh_triggerauthentications.yaml
crds github.com/mongodb/mongodb-kubernetes-operator "$MONGODB_OPERATOR" \
  config/crd/bases/mongodbcommunity.mongodb.com_mongodbcommunity.yaml
touch "$VAR/tools/.deploy-tools"
