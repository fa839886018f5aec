#!/usr/bin/env bash
# make image: the platform's OCI image, built here without a Docker engine or a registry.
# mmdebstrap makes a Debian bookworm root file system with Python 3.11 from Debian's
# packages (cached in ~/.cache/commune-tools, rebuilt when its recipe changes), buildah
# (vfs storage, chroot isolation) builds Containerfile on it and writes an OCI archive
# and an OCI layout to var/image/. Needs root (or sudo) for the Debian packages and the
# chroot.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/pyproject.toml")
IMAGE=localhost/commune-platform:$VERSION
TOOLS=${COMMUNE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/commune-tools}
OUT="$VAR/image"
LOG="$VAR/log/image.log"
# pango and a serif font: the quarterly report's PDF (WeasyPrint).
BASE_PACKAGES=python3,python3-venv,ca-certificates,libpango-1.0-0,libpangoft2-1.0-0,fonts-liberation2
BASE_KEY=$(echo "bookworm minbase $BASE_PACKAGES" | sha256sum | cut -c1-12)
BASE_TAR="$TOOLS/image-base/bookworm-python3-$BASE_KEY.tar"
BASE_IMAGE=localhost/commune-base:bookworm-$BASE_KEY
BUILDAH=(buildah --storage-driver vfs)
[ "$(id -u)" -eq 0 ] || BUILDAH=(sudo "${BUILDAH[@]}")

missing=()
for tool in mmdebstrap buildah; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "image:" "installing Debian's ${missing[*]} (once; log in var/log/image.log)"
  as_root apt-get update -qq >>"$LOG" 2>&1
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >>"$LOG" 2>&1 \
    || fail "image:" "apt-get install failed; see var/log/image.log"
fi

if [ ! -f "$BASE_TAR" ]; then
  say "image:" "making the bookworm base with $BASE_PACKAGES (once per machine, ~2 min)"
  mkdir -p "$(dirname "$BASE_TAR")"
  as_root mmdebstrap --variant=minbase --format=tar --include="$BASE_PACKAGES" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    bookworm "$BASE_TAR.part" >>"$LOG" 2>&1 || fail "image:" "mmdebstrap failed; see var/log/image.log"
  as_root mv "$BASE_TAR.part" "$BASE_TAR"
fi
if ! "${BUILDAH[@]}" inspect --type image "$BASE_IMAGE" >/dev/null 2>&1; then
  say "image:" "importing the base as $BASE_IMAGE"
  "${BUILDAH[@]}" rm commune-base-import >/dev/null 2>&1 || true  # a previous try's
  container=$("${BUILDAH[@]}" from --name commune-base-import scratch)
  mount=$("${BUILDAH[@]}" mount "$container")
  as_root tar -C "$mount" -xf "$BASE_TAR"
  "${BUILDAH[@]}" umount "$container" >/dev/null
  "${BUILDAH[@]}" commit -q "$container" "$BASE_IMAGE" >/dev/null
  "${BUILDAH[@]}" rm "$container" >/dev/null
fi

say "image:" "wheels of the project and its dependencies into var/image/wheels"
rm -rf "$OUT"
mkdir -p "$OUT/console-assets"
"$ROOT/.venv/bin/pip" wheel -q --wheel-dir "$OUT/wheels" "$ROOT" >>"$LOG" 2>&1 \
  || fail "image:" "pip wheel failed; see var/log/image.log"

say "image:" "the console's browser files (htmx, Leaflet, ECharts) from var/tools into var/image/console-assets"
"$ROOT/scripts/setup-console-assets.sh"
(cd "$VAR/tools/node_modules" && PYTHONPATH="$ROOT" "$ROOT/.venv/bin/python" -c \
   'from services.console.server import ASSETS; print("\n".join(ASSETS.values()))' \
   | xargs cp --parents --target-directory="$OUT/console-assets") \
  || fail "image:" "copying the console's browser files failed"

say "image:" "building $IMAGE (log in var/log/image.log)"
"${BUILDAH[@]}" bud --isolation chroot --layers=false -f "$ROOT/Containerfile" \
  --build-arg BASE="$BASE_IMAGE" --build-arg VERSION="$VERSION" \
  --build-arg REVISION="$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)" \
  -t "$IMAGE" "$ROOT" >>"$LOG" 2>&1 || fail "image:" "buildah bud failed; see var/log/image.log"
rm -rf "$OUT/wheels" "$OUT/console-assets"
"${BUILDAH[@]}" push -q "$IMAGE" "oci-archive:$OUT/commune-platform-$VERSION.tar:$VERSION" >>"$LOG" 2>&1
"${BUILDAH[@]}" push -q "$IMAGE" "oci:$OUT/oci:$VERSION" >>"$LOG" 2>&1
say "image:" "$OUT/commune-platform-$VERSION.tar ($(du -m "$OUT/commune-platform-$VERSION.tar" | cut -f1) MB; OCI layout in var/image/oci)"
