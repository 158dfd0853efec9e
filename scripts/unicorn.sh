#!/usr/bin/env bash
# Puts Unicorn 2.1.1 (Debian trixie's libunicorn-dev: headers and the
# static libunicorn.a) into .deps/unicorn-2.1.1/ at the repository root,
# where emu/unicorn/link_static.go links it from. Nothing is installed
# system-wide: trixie's package would pull trixie's libc, while its
# libunicorn.a links against bookworm's glibc 2.36 as it is.
#
# Why 2.1.1 and not bookworm's 2.0.1: 2.0.1 sends every guest store
# through QEMU's notdirty_write slow path (unicorn issue #1970), see
# RATIONALE.md.
#
# Idempotent: does nothing when the copy is there. Offline, point
# UNICORN_DEB at a copy of the .deb (the checksum is still verified).
set -euo pipefail

version=2.1.1
deb_name=libunicorn-dev_2.1.1-2+b2_amd64.deb
url=${UNICORN_URL:-http://deb.debian.org/debian/pool/main/u/unicorn-engine/$deb_name}
sha256=479613e244a6023c03708951a5f0e00fc96c83a4b74b4d74c9fe7d3a9050208b

root=$(cd "$(dirname "$0")/.." && pwd)
dest=$root/.deps/unicorn-$version
lib=$dest/usr/lib/x86_64-linux-gnu/libunicorn.a
hdr=$dest/usr/include/unicorn/unicorn.h

if [ -f "$lib" ] && [ -f "$hdr" ]; then
  exit 0
fi

case "$(uname -m)" in
  x86_64) ;;
  *) echo "unicorn.sh: only x86_64 hosts are supported (the .deb is amd64); found $(uname -m)" >&2; exit 1 ;;
esac
command -v dpkg-deb >/dev/null || { echo "unicorn.sh: dpkg-deb is needed (Debian's dpkg)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
deb=$tmp/$deb_name

if [ -n "${UNICORN_DEB:-}" ]; then
  cp "$UNICORN_DEB" "$deb"
else
  echo "unicorn.sh: fetching $url"
  if command -v curl >/dev/null; then
    fetch=(curl -fsSL --retry 2 --connect-timeout 20 -o "$deb" "$url")
  elif command -v wget >/dev/null; then
    fetch=(wget -q -T 20 -O "$deb" "$url")
  else
    echo "unicorn.sh: neither curl nor wget is installed" >&2
    exit 1
  fi
  if ! "${fetch[@]}"; then
    cat >&2 <<EOF
unicorn.sh: could not download $url
  (offline or the mirror moved?). Copy that file here by other means and run
  UNICORN_DEB=/path/to/$deb_name scripts/unicorn.sh
EOF
    exit 1
  fi
fi

got=$(sha256sum "$deb" | cut -d' ' -f1)
if [ "$got" != "$sha256" ]; then
  echo "unicorn.sh: checksum mismatch for $deb_name: got $got, want $sha256" >&2
  exit 1
fi

# Extract next to the destination and rename, so an interrupted run never
# leaves a half copy that the check above would take for a whole one.
mkdir -p "$root/.deps"
stage=$(mktemp -d "$root/.deps/.unicorn-$version.XXXXXX")
dpkg-deb -x "$deb" "$stage"
if [ ! -f "$stage/usr/lib/x86_64-linux-gnu/libunicorn.a" ] || [ ! -f "$stage/usr/include/unicorn/unicorn.h" ]; then
  rm -rf "$stage"
  echo "unicorn.sh: $deb_name does not hold libunicorn.a and unicorn.h where expected" >&2
  exit 1
fi
rm -rf "$dest"
mv "$stage" "$dest"
echo "unicorn.sh: Unicorn $version in ${dest#"$root"/}"
