# Shared helpers for the set-up scripts: messages, privilege, ports, waiting.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VAR="$ROOT/var"
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
