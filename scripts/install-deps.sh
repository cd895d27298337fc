#!/usr/bin/env bash
# Installs the Debian packages that building and testing need (plus any given as arguments),
# when any is missing.
# As root it runs apt-get; otherwise it prints the one command to run and fails.
set -euo pipefail

packages=(
    libjpeg-dev libpng-dev pkg-config
    # Camera capture (libv4l2) and its tests: ffmpeg makes test frames from photos, djpeg
    # (libjpeg-turbo-progs) decodes them at reduced DCT scale as the reference.
    libv4l-dev ffmpeg libjpeg-turbo-progs
    # mobilenet watch: a pty pair stands in for the serial line (socat), systemd-analyze checks
    # the unit, objdump finds the package's library dependencies.
    socat systemd binutils
)
packages+=("$@")  # extra packages a caller needs (e.g. scripts/arm/setup-toolchain.sh)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages: run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
