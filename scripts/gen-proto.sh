#!/usr/bin/env bash
# Regenerate the Python stubs of proto/ into gen/python (committed, reproducible).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
OUT=${1:-gen/python}
rm -rf "$OUT/commune" && mkdir -p "$OUT"
"${PYTHON:-.venv/bin/python}" -m grpc_tools.protoc -Iproto \
  --python_out="$OUT" --pyi_out="$OUT" --grpc_python_out="$OUT" \
  $(cd proto && find commune -name '*.proto' | sort)
# Packages for the generated modules, so they import as commune.v1.*.
find "$OUT/commune" -type d -exec touch {}/__init__.py \;
