#!/usr/bin/env bash
# Create .venv with Python 3.11 and install the project with its dev tools.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
"$PY" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null \
  || fail "Python:" "3.11 is needed (nameko 2.14 and eventlet); set PYTHON=/path/to/python3.11"
cd "$ROOT"
# The quarterly report's PDF: WeasyPrint draws with Debian's pango, in a serif with Times
# New Roman's metrics and the Vietnamese letters (Liberation Serif). The console's browser
# tests: Debian's chromium, which Playwright drives (its own browser download is not
# reachable).
missing=()
for package in libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation2 chromium; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "Python:" "installing Debian's ${missing[*]} for the report's PDF and the console's browser tests (log in var/log/apt.log)"
  as_root apt-get update -qq >>"$VAR/log/apt.log" 2>&1
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" \
    >>"$VAR/log/apt.log" 2>&1 || fail "Python:" "apt-get install failed; see var/log/apt.log"
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
say "Python:" "installing the project into .venv (log in var/log/pip.log)"
.venv/bin/pip install -q --upgrade "pip>=24" >>"$VAR/log/pip.log" 2>&1
.venv/bin/pip install -q -e '.[dev]' >>"$VAR/log/pip.log" 2>&1 \
  || fail "Python:" "pip install failed; see var/log/pip.log"
touch .venv/.installed
