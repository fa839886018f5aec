#!/usr/bin/env bash
# make k8s-verify: both overlays applied with `kubectl apply --dry-run=server` to a real
# kube-apiserver (built once from k8s.io/kubernetes with Go, cached in
# ~/.cache/commune-tools) on Debian's etcd, both on loopback ports and removed at the end.
# The server runs the admission chain a cluster would, PodSecurity "restricted" included,
# which the offline checks of `make k8s-check` cannot.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
KUBERNETES=v1.30.14
TOOLS=${COMMUNE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/commune-tools}
APISERVER="$TOOLS/kube-apiserver-$KUBERNETES/kube-apiserver"
LOG="$VAR/log/k8s-verify.log"
: >"$LOG"

command -v kubectl >/dev/null || fail "k8s-verify:" "kubectl is needed (it applies the manifests)"
if ! command -v etcd >/dev/null; then
  say "k8s-verify:" "installing Debian's etcd-server (once)"
  as_root apt-get update -qq >>"$LOG" 2>&1
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >>"$LOG" 2>&1 \
    || fail "k8s-verify:" "apt-get install etcd-server failed; see $LOG"
fi
[ -x "$APISERVER" ] || "$ROOT/scripts/build-kube-apiserver.sh" "$KUBERNETES" "$APISERVER"

WORK=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { "$ROOT/.venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ETCD_PORT=$(free_port)
PEER_PORT=$(free_port)
API_PORT=$(free_port)

etcd --data-dir "$WORK/etcd" --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$PEER_PORT" \
  --initial-advertise-peer-urls "http://127.0.0.1:$PEER_PORT" \
  --initial-cluster "default=http://127.0.0.1:$PEER_PORT" >>"$WORK/etcd.log" 2>&1 &
pids+=($!)
wait_port etcd 127.0.0.1 "$ETCD_PORT" 60 "$WORK/etcd.log"

# A throwaway identity: a token for a member of system:masters, a service-account key.
TOKEN=$(openssl rand -hex 16)
echo "$TOKEN,verifier,verifier,system:masters" >"$WORK/tokens.csv"
openssl genrsa -out "$WORK/sa.key" 2048 2>>"$LOG"
openssl rsa -in "$WORK/sa.key" -pubout -out "$WORK/sa.pub" 2>>"$LOG"
"$APISERVER" --etcd-servers "http://127.0.0.1:$ETCD_PORT" --bind-address 127.0.0.1 \
  --advertise-address 127.0.0.1 --secure-port "$API_PORT" --cert-dir "$WORK/certs" \
  --token-auth-file "$WORK/tokens.csv" --authorization-mode RBAC \
  --service-account-key-file "$WORK/sa.pub" --service-account-signing-key-file "$WORK/sa.key" \
  --service-account-issuer https://kubernetes.default.svc \
  --service-cluster-ip-range 10.96.0.0/16 >>"$WORK/apiserver.log" 2>&1 &
pids+=($!)

export KUBECONFIG="$WORK/kubeconfig"
kubectl config set-cluster verify --server "https://127.0.0.1:$API_PORT" --insecure-skip-tls-verify >/dev/null
kubectl config set-credentials verifier --token "$TOKEN" >/dev/null
kubectl config set-context verify --cluster verify --user verifier >/dev/null
kubectl config use-context verify >/dev/null
say "k8s-verify:" "kube-apiserver $KUBERNETES on :$API_PORT, etcd on :$ETCD_PORT (logs in $WORK until the end)"
deadline=$((SECONDS + 180))
until kubectl get --raw /readyz >/dev/null 2>&1; do
  if [ $SECONDS -ge $deadline ]; then
    tail -20 "$WORK/apiserver.log" >>"$LOG"
    fail "k8s-verify:" "kube-apiserver not ready after 180 s; see $LOG"
  fi
  sleep 1
done

# The operators' resource kinds: their CRDs (from make setup's cache), and a stand-in
# for RabbitmqCluster, whose CRD is not to be had here (it accepts any spec).
"$ROOT/scripts/setup-deploy-tools.sh" >>"$LOG" 2>&1
kubectl apply -f "$ROOT/scripts/rabbitmqcluster-standin-crd.yaml" >>"$LOG"
find "$VAR/tools/crds/" -name '*.yaml' -print0 | xargs -0 -n1 kubectl apply --server-side -f >>"$LOG"
kubectl wait --for condition=established --timeout=120s crd --all >>"$LOG"

status=0
for overlay in dev province; do
  manifest="$WORK/$overlay.yaml"
  "$VAR/tools/bin/kustomize" build "$ROOT/deploy/k8s/overlays/$overlay" >"$manifest"
  # The namespace for real (a dry run cannot create what the rest is checked in), then
  # everything as the server would take it, admission included.
  "$ROOT/.venv/bin/python" "$ROOT/scripts/k8s_split.py" "$manifest" "$WORK/$overlay-ns.yaml" "$WORK/$overlay-rest.yaml"
  kubectl apply -f "$WORK/$overlay-ns.yaml" >>"$LOG"
  if kubectl apply --dry-run=server -f "$WORK/$overlay-rest.yaml" >"$WORK/$overlay.out" 2>"$WORK/$overlay.err" \
      && ! grep -q . "$WORK/$overlay.err"; then
    say "k8s-verify:" "overlays/$overlay: $(wc -l <"$WORK/$overlay.out") objects accepted by the server, no warning"
  else
    cat "$WORK/$overlay.err" | tee -a "$LOG" >&2
    say "k8s-verify:" "overlays/$overlay: refused or warned (above)"
    status=1
  fi
done

# The namespace's Pod Security level is enforced: a pod with no security settings (root,
# privilege escalation, capabilities kept) is refused, and for that reason. Its default
# ServiceAccount first (a cluster's controller-manager makes it; this server runs none),
# else the pod is refused for want of it. (A privileged pod would be refused by this
# server's own validation: it does not allow privileged containers at all.)
kubectl -n commune create serviceaccount default >>"$LOG" 2>&1 || true
if kubectl -n commune run pss-probe --image=busybox --dry-run=server >"$WORK/pss.out" 2>&1; then
  say "k8s-verify:" "a pod without security settings was admitted to namespace commune: PodSecurity is not enforced"
  status=1
elif grep -q 'violates PodSecurity "restricted' "$WORK/pss.out"; then
  say "k8s-verify:" "PodSecurity restricted enforced: a pod without security settings was refused in namespace commune"
else
  say "k8s-verify:" "the probe pod was refused, but not by PodSecurity: $(cat "$WORK/pss.out")"
  status=1
fi
cat "$WORK/pss.out" >>"$LOG"
exit $status
