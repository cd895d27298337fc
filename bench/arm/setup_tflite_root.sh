#!/usr/bin/env bash
# Builds an arm64 Debian userland holding TFLite's own aarch64 runtime (ai-edge-litert 2.3.0,
# XNNPACK) for bench/arm/count_instructions.sh: bookworm's Python 3.11 (arm64 packages, only
# extracted: no emulation, ~10 s) plus the cp311 manylinux aarch64 wheels of ai-edge-litert and
# numpy, unpacked into ROOT/opt/litert. Idempotent; needs mmdebstrap and pip (root for apt).
#
#   bench/arm/setup_tflite_root.sh [ROOT]     (default $ARM_CACHE/arm64-root, ARM_CACHE=../arm-cache)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${ARM_CACHE:-$(dirname "$repo")/arm-cache}
root=${1:-$cache/arm64-root}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ -x "$root/usr/bin/python3.11" ] && [ -d "$root/opt/litert/ai_edge_litert" ]; then
    echo "$root: ready"
    exit 0
fi
bash "$repo/scripts/install-deps.sh" mmdebstrap python3-pip
mkdir -p "$cache/wheels"
rm -rf "$root"
mmdebstrap --variant=extract --architectures=arm64 \
    --include=python3,python3-minimal,libpython3.11-stdlib,libstdc++6,libgcc-s1,zlib1g,libexpat1,libffi8 \
    bookworm "$root" "$mirror"
pip3 download --no-deps --only-binary=:all: --platform manylinux_2_27_aarch64 --python-version 3.11 \
    -d "$cache/wheels" ai-edge-litert==2.3.0 'numpy==2.2.6'
mkdir -p "$root/opt/litert"
for wheel in "$cache"/wheels/ai_edge_litert-2.3.0-cp311-*aarch64.whl "$cache"/wheels/numpy-2.2.6-cp311-*aarch64*.whl; do
    python3 -m zipfile -e "$wheel" "$root/opt/litert"
done
echo "$root: ready"
