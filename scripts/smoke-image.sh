#!/usr/bin/env bash
# The built image's processes, started from it against the local broker and database:
# a worker must answer /health/ready with 200, a gRPC server its grpc.health.v1 check with
# SERVING, the console /health/ready with 200 and its browser files (htmx, Leaflet,
# ECharts) from the image, and `commune check` exit 0. No container engine runs here (podman's setrlimit is
# refused by the sandbox): umoci unpacks the image into a runtime bundle, and runc runs
# it with no rlimits, in the host's network namespace, read-only, as the image's user,
# with /tmp a tmpfs, as deploy/k8s runs it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/pyproject.toml")
OUT="$VAR/image"
SMOKE="$OUT/smoke"
NAMESPACE="smoke$$"
RUNC=(runc --root "$SMOKE/runc")
[ "$(id -u)" -eq 0 ] || RUNC=(sudo "${RUNC[@]}")
[ -d "$OUT/oci" ] || fail "smoke:" "no image in var/image/oci; run 'make image'"

missing=()
for tool in umoci runc; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -qq >>"$VAR/log/image.log" 2>&1
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" \
    >>"$VAR/log/image.log" 2>&1 || fail "smoke:" "apt-get install ${missing[*]} failed"
fi

as_root rm -rf "$SMOKE"
mkdir -p "$SMOKE"
as_root umoci unpack --image "$OUT/oci:$VERSION" "$SMOKE/bundle" >>"$VAR/log/image.log" 2>&1 \
  || fail "smoke:" "umoci unpack failed; see var/log/image.log"

started=()
stop_all() {
  for id in "${started[@]}"; do
    "${RUNC[@]}" kill "$id" KILL >/dev/null 2>&1 || true
    "${RUNC[@]}" delete --force "$id" >/dev/null 2>&1 || true
  done
  # The smoke run's queues, exchanges and databases go with it.
  COMMUNE_NAMESPACE="$NAMESPACE" "$ROOT/.venv/bin/python" -c \
    'from tests.helpers import remove_namespace; from services.common.settings import Settings; remove_namespace(Settings())' \
    >>"$VAR/log/image.log" 2>&1 || true
}
trap stop_all EXIT

# start ID KEY=VALUE… -- ARGS…: one container of the image, detached, logging to $SMOKE/ID.log
start() {
  local id=$1 env=() bundle="$SMOKE/$1"
  shift
  while [ "$1" != "--" ]; do env+=("$1"); shift; done
  shift
  mkdir -p "$bundle"
  "$ROOT/.venv/bin/python" - "$SMOKE/bundle/config.json" "$bundle/config.json" \
    "$SMOKE/bundle/rootfs" "${env[*]}" "$@" <<'PY'
import json, os, sys
source, target, rootfs, env, *args = sys.argv[1:]
config = json.load(open(source))
process = config["process"]
process.pop("rlimits", None)  # setrlimit is refused in this sandbox
process["terminal"] = False
process["args"] = args
process["env"] += [*env.split(), f"AMQP_URI={os.environ['AMQP']}", f"MONGO_URI={os.environ['MONGO']}"]
config["root"] = {"path": rootfs, "readonly": True}
linux = config["linux"]
linux["namespaces"] = [n for n in linux["namespaces"] if n["type"] != "network"]
config["mounts"].append({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
                         "options": ["nosuid", "nodev", "size=65536k"]})
json.dump(config, open(target, "w"), indent=1)
PY
  "${RUNC[@]}" run --detach --bundle "$bundle" "$id" >"$SMOKE/$id.log" 2>&1 </dev/null \
    || fail "smoke:" "runc could not start $id; see var/image/smoke/$id.log"
  started+=("$id")
}

free_port() { "$ROOT/.venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

export AMQP=${AMQP_URI:-amqp://guest:guest@127.0.0.1:5672/} MONGO=${MONGO_URI:-mongodb://127.0.0.1:27017/?retryWrites=false}
HTTP=$(free_port) GRPC=$(free_port) METRICS=$(free_port) CONSOLE=$(free_port)
say "smoke:" "commune check, commune-worker tasks (:$HTTP), commune-grpc tasks (:$GRPC), commune-console (:$CONSOLE) from the image"
start "$NAMESPACE-check" COMMUNE_NAMESPACE="$NAMESPACE" -- commune check
start "$NAMESPACE-worker" COMMUNE_NAMESPACE="$NAMESPACE" COMMUNE_BIND_HOST=127.0.0.1 \
  COMMUNE_HTTP_PORT="$HTTP" -- commune-worker tasks
start "$NAMESPACE-grpc" COMMUNE_NAMESPACE="$NAMESPACE" COMMUNE_BIND_HOST=127.0.0.1 \
  COMMUNE_GRPC_PORT="$GRPC" COMMUNE_METRICS_PORT="$METRICS" -- commune-grpc tasks
start "$NAMESPACE-console" COMMUNE_NAMESPACE="$NAMESPACE" COMMUNE_BIND_HOST=127.0.0.1 \
  COMMUNE_CONSOLE_PORT="$CONSOLE" -- commune-console

PYTHONPATH="$ROOT" "$ROOT/.venv/bin/python" - "$HTTP" "$GRPC" "$CONSOLE" "$SMOKE" "$NAMESPACE" <<'PY'
import sys, time, urllib.request
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from services.console.server import ASSETS
http, grpc_port, console, smoke, namespace = sys.argv[1:]

def wait(what, check, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                print(f"smoke: {what}: ok")
                return
        except Exception:
            pass
        time.sleep(1)
    for name in ("check", "worker", "grpc", "console"):
        print(f"--- {name}\n{open(f'{smoke}/{namespace}-{name}.log').read()[-2000:]}")
    sys.exit(f"smoke: {what}: no answer in {seconds} s")

def answers(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status == 200

def ready():
    return answers(f"http://127.0.0.1:{http}/health/ready")

def console_ready():
    return answers(f"http://127.0.0.1:{console}/health/ready") and all(
        answers(f"http://127.0.0.1:{console}/assets/{name}") for name in ASSETS)

def serving():
    with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        return answer.status == health_pb2.HealthCheckResponse.SERVING

wait("commune-worker tasks /health/ready 200", ready)
wait("commune-grpc tasks grpc.health.v1 SERVING", serving)
wait("commune-console /health/ready 200 and its browser files", console_ready)
PY
tail -1 "$SMOKE/$NAMESPACE-check.log" | grep -qx ok \
  || fail "smoke:" "commune check from the image did not say ok: $(cat "$SMOKE/$NAMESPACE-check.log")"
say "smoke:" "commune check: ok"
