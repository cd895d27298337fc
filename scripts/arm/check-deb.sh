#!/usr/bin/env bash
# Checks the arm64 package of `mobilenet watch` (make BOARD=rpi5 deb on another machine): arm64,
# depends only on packages Raspberry Pi OS has (no Swift runtime, no libstdc++), holds an
# aarch64 binary, and that binary, as installed, runs from the package's files under
# qemu-aarch64 with only the Pi-OS-like runtime root (it finds its embedded model beside it).
#
#   scripts/arm/check-deb.sh build/mobilenet-watch_<version>_arm64.deb [QEMU_CPU]
set -euo pipefail
deb=$(ls -t $1 | head -1) cpu=${2:-cortex-a72}
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${ARM_CACHE:-$(dirname "$repo")/arm-cache}
runtime=$(cd "$cache" && pwd)/swift-trixie/runtime-arm64
shared=${SHARED:-$(dirname "$repo")/shared}
fail() { echo "check-deb: FAIL: $*" >&2; exit 1; }
[ -f "$deb" ] || fail "no package $1"

[ "$(dpkg-deb -f "$deb" Architecture)" = arm64 ] || fail "$deb: Architecture is $(dpkg-deb -f "$deb" Architecture)"
depends=$(dpkg-deb -f "$deb" Depends)
for dependency in $(printf '%s\n' "$depends" | tr ',' '\n' | sed 's/(.*)//; s/ //g'); do
    case $dependency in
        libc6|libgcc-s1|libjpeg62-turbo|libpng16-16t64|libv4l-0t64) ;;
        *) fail "$deb depends on $dependency (Raspberry Pi OS needs nothing beyond libc6, libgcc-s1, libjpeg62-turbo, libpng16-16t64, libv4l-0t64)" ;;
    esac
done

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
binary=$root/usr/lib/mobilenet/mobilenet
aarch64-linux-gnu-readelf -h "$binary" | grep -q "Machine:.*AArch64" || fail "$deb: usr/lib/mobilenet/mobilenet is not aarch64"
image=$shared/golden/images/cat_0007.jpg
[ -f "$image" ] || fail "$image is missing"
output=$(qemu-aarch64 -cpu "$cpu" -L "$runtime" "$binary" classify "$image" --top 1) || fail "the installed binary failed: $output"
printf '%s\n' "$output" | grep -q "cat" || fail "the installed binary classified $image as: $output"
echo "check-deb: $deb: Architecture arm64, Depends: $depends; the installed binary runs ($(printf '%s\n' "$output" | tail -1 | sed 's/^ *//'))"
