#!/usr/bin/env bash
# Create .venv with Python 3.11 and install the project with its dev tools.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
"$PY" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null \
  || fail "Python:" "3.11 is needed (nameko 2.14 and eventlet); set PYTHON=/path/to/python3.11"
cd "$ROOT"
# Debian's chromium: the browser Playwright drives in the console's tests (its own
# browser download is not reachable).
if [ ! -x /usr/bin/chromium ]; then
  say "Python:" "installing Debian's chromium for the console's browser tests (once; log in var/log/apt.log)"
  { as_root apt-get update -q && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } \
    >>"$VAR/log/apt.log" 2>&1 || fail "Python:" "apt-get install chromium failed; see var/log/apt.log"
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
say "Python:" "installing the project into .venv (log in var/log/pip.log)"
.venv/bin/pip install -q --upgrade "pip>=24" >>"$VAR/log/pip.log" 2>&1
.venv/bin/pip install -q -e '.[dev]' >>"$VAR/log/pip.log" 2>&1 \
  || fail "Python:" "pip install failed; see var/log/pip.log"
touch .venv/.installed
