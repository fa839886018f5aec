# Shared helpers for the set-up scripts: messages, privilege, ports, waiting.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# State, logs and the markers of what the set-up started (COMMUNE_VAR: elsewhere, as
# tests do, with a stand-in for RabbitMQ's init script in COMMUNE_RABBITMQ_INIT).
VAR=${COMMUNE_VAR:-$ROOT/var}
RABBITMQ_INIT=${COMMUNE_RABBITMQ_INIT:-/etc/init.d/rabbitmq-server}
mkdir -p "$VAR/bin" "$VAR/log" "$VAR/run"

say()  { printf '\033[1m%s\033[0m %s\n' "$1" "${*:2}"; }
fail() { printf '\033[31m%s\033[0m %s\n' "$1" "${*:2}" >&2; exit 1; }

# Run as root, through sudo when we are not root.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else fail "setup:" "need root to run '$*' and sudo is not installed; run it as root once"; fi
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# wait_port NAME HOST PORT SECONDS LOGFILE
wait_port() {
  local deadline=$((SECONDS + $4))
  until port_open "$2" "$3"; do
    if [ $SECONDS -ge $deadline ]; then
      fail "$1:" "not listening on $2:$3 after $4 s; see $5"
    fi
    sleep 0.5
  done
}

# note_started NAME: a set-up script started server NAME (rabbitmq, ferretdb). Its marker
# in var/run is what `make stop` stops; a caller that wants to stop only what it started
# (make run) names a file in COMMUNE_STARTED_LIST, where NAME is added.
note_started() {
  if [ -n "${COMMUNE_STARTED_LIST:-}" ]; then echo "$1" >>"$COMMUNE_STARTED_LIST"; fi
}
