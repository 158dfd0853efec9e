#!/usr/bin/env bash
# Installs the Debian packages named as arguments when any is missing, and
# checks the Go toolchain. Run as root on Debian 12 (or with sudo).
set -euo pipefail
missing=()
for p in "$@"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
go_version=$(go env GOVERSION 2>/dev/null || true)
case "$go_version" in
  go1.2[6-9]*|go1.[3-9][0-9]*) ;;
  *) echo "setup: Go 1.26 or newer is needed on PATH, as go.mod says (found: ${go_version:-none})" >&2; exit 1 ;;
esac
