#!/usr/bin/env bash
# Cross-compiles the whole `mobilenet` binary for an arm64 board at native speed: Debian trixie's
# amd64 Swift 6.0.3 (in the chroot made by scripts/arm/setup-swift-sdk.sh) with the trixie arm64
# Swift SDK, the Swift runtime and libstdc++ linked statically. The result needs only libc6,
# libjpeg62-turbo, libpng16-16t64 and libv4l-0t64 on the board.
#
#   scripts/arm/swift-cross-build.sh CPU OUTDIR     e.g. cortex-a72 .build/boards/rpi4
#
# OUTDIR gets `mobilenet` and its resource folder (the embedded models); SwiftPM's own build
# folder is OUTDIR/swiftpm (incremental). The repository is mounted in the chroot at its own
# path, and so are local git mirrors that the system git config points github.com at.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 CPU OUTDIR" >&2; exit 2; }
cpu=$1 out=$2
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${ARM_CACHE:-$(dirname "$repo")/arm-cache}
host=$(cd "$cache" && pwd)/swift-trixie/host
[ -f "$host/.ready" ] || { echo "error: no Swift SDK in $host: run scripts/arm/setup-swift-sdk.sh (make arm-sdk)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "error: the cross build runs in a chroot: run it as root" >&2; exit 1; }
mkdir -p "$repo/$out"
scratch=$repo/$out/swiftpm
sysroot=/opt/swift-sdks/trixie-arm64.artifactbundle/trixie-arm64/aarch64-unknown-linux-gnu/sysroot

# github.com → local mirror rewrites (CI machines without network to GitHub have them).
mounts=("$repo")
: > "$host/etc/gitconfig"
while read -r key value; do
    base=${key#url.}; base=${base%.insteadof}
    git config --file "$host/etc/gitconfig" --add "url.$base.insteadOf" "$value"
    case $base in /*) [ -d "$base" ] && mounts+=("$base") ;; esac
done < <(git config --system --get-regexp '^url\..*\.insteadof$' 2>/dev/null || true)

binds=""
for dir in "${mounts[@]}"; do
    mkdir -p "$host$dir"
    binds+="mount --bind '$dir' '$host$dir' && "
done

# MOBILENET_TARGET_ARCH tells Package.swift that this is a cross build (its `arch()` is the
# build machine's): the board's CPU as -target-cpu, no x86 flags, no -static-stdlib of its own.
# PKG_CONFIG_PATH: the arm64 .pc files (libjpeg, libpng, libv4l2); SwiftPM puts the sysroot in front.
unshare --mount --propagation private sh -c "
    mount -t proc proc '$host/proc' && $binds
    exec chroot '$host' env -i HOME=/root PATH=/usr/bin:/bin LANG=C.UTF-8 \
        PKG_CONFIG_PATH=$sysroot/usr/lib/aarch64-linux-gnu/pkgconfig:$sysroot/usr/share/pkgconfig \
        MOBILENET_TARGET_ARCH=aarch64 MOBILENET_TARGET_CPU='$cpu' \
        sh -c 'cd \"$repo\" && swift build -c release --product mobilenet \
            --swift-sdks-path /opt/swift-sdks --swift-sdk trixie-arm64 --static-swift-stdlib \
            --scratch-path \"$scratch\"'"

bin=$scratch/aarch64-unknown-linux-gnu/release
install -m 755 "$bin/mobilenet" "$repo/$out/mobilenet"
rm -rf "$repo/$out/MobileNet_MobileNetCLI.resources"
cp -R "$bin/MobileNet_MobileNetCLI.resources" "$repo/$out/"
echo "built $out/mobilenet ($cpu, Swift 6.0.3 trixie SDK)"
