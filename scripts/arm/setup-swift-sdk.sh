#!/usr/bin/env bash
# Builds (once; idempotent) what the whole `mobilenet` binary for an arm64 board needs, under
# $ARM_CACHE/swift-trixie (ARM_CACHE defaults to ../arm-cache beside the repository):
#
#   host/            an amd64 Debian trixie root with Debian's swiftlang 6.0.3: the compiler,
#                    run in a chroot at native speed (scripts/arm/swift-cross-build.sh)
#   host/opt/swift-sdks/trixie-arm64.artifactbundle
#                    a Swift SDK for aarch64-unknown-linux-gnu: an arm64 trixie sysroot made
#                    of extracted packages (no emulation) — glibc, libstdc++/libgcc, libjpeg,
#                    libpng, libv4l development files — plus the Swift resources of Debian's
#                    arm64 swiftlang 6.0.3 (the same version as the compiler), including
#                    swift_static. libstdc++.so is left out, so the link takes libstdc++.a.
#   runtime-arm64/   what Raspberry Pi OS (trixie) has and the package depends on: libc6,
#                    libjpeg62-turbo, libpng16-16t64, libv4l-0t64 and their dependencies,
#                    extracted; the binary's tests run in it with qemu-aarch64 -L
#   runtime-arm64.packages
#                    "soname package" for every shared library in runtime-arm64 (the .deb's
#                    Depends, scripts/package/make-deb.sh)
#
# Trixie on both sides: Raspberry Pi OS is trixie (glibc 2.41), and a binary linked against a
# newer glibc does not start there. Needs root (chroot, apt in the amd64 root), mmdebstrap and
# network access to the Debian mirror (DEBIAN_MIRROR). About 4 minutes and 3.9 GB.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${ARM_CACHE:-$(dirname "$repo")/arm-cache}
cache=$(mkdir -p "$cache" && cd "$cache" && pwd)/swift-trixie
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=trixie
swift_version=6.0.3
apt_options=(--aptopt='Acquire::Check-Valid-Until "false"')  # frozen snapshot mirrors
host=$cache/host
sdk=$host/opt/swift-sdks/trixie-arm64.artifactbundle
variant=$sdk/trixie-arm64/aarch64-unknown-linux-gnu
sysroot=$variant/sysroot
runtime=$cache/runtime-arm64

if [ -f "$host/.ready" ] && [ -f "$sdk/.ready" ] && [ -f "$runtime.packages" ]; then
    echo "swift sdk: $cache ready (Swift $swift_version, trixie amd64 -> arm64)"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "error: $0 builds Debian roots and runs a chroot: run it as root (sudo)" >&2
    exit 1
fi
bash "$repo/scripts/install-deps.sh" mmdebstrap qemu-user binutils-aarch64-linux-gnu
mkdir -p "$cache"

# Merged /usr, as an installed trixie has it (glibc's linker scripts name /lib/...).
merge_usr() { for d in bin sbin lib; do [ -e "$1/$d" ] || ln -s "usr/$d" "$1/$d"; done; }

# Runs a command in the amd64 root with /proc mounted (the toolchain finds its libraries
# through $ORIGIN, which needs /proc/self/exe); the mounts vanish with the namespace.
in_host() {
    unshare --mount --propagation private sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$host" "$@"
}

if [ ! -f "$host/.ready" ]; then
    echo "swift sdk: amd64 $suite root with swiftlang (mmdebstrap, about 2 minutes)"
    rm -rf "$host" "$host.tmp"
    mmdebstrap --variant=minbase --architectures=amd64 "${apt_options[@]}" \
        --include=swiftlang,libstdc++-14-dev,git,ca-certificates,pkg-config \
        "$suite" "$host.tmp" "$mirror"
    mv "$host.tmp" "$host"
    in_host swift --version | grep -q "Swift version $swift_version" \
        || { echo "error: $host: swiftlang is not Swift $swift_version" >&2; exit 1; }
    touch "$host/.ready"
fi

if [ ! -f "$sdk/.ready" ]; then
    echo "swift sdk: arm64 $suite sysroot (extracted packages) and Swift $swift_version arm64 resources"
    rm -rf "$sdk" "$sysroot.tmp"
    mkdir -p "$variant"
    mmdebstrap --variant=extract --architectures=arm64 "${apt_options[@]}" \
        --include=libc6-dev,libstdc++-14-dev,libgcc-14-dev,libjpeg62-turbo-dev,libpng-dev,zlib1g-dev,libv4l-dev,linux-libc-dev \
        "$suite" "$sysroot.tmp" "$mirror"
    merge_usr "$sysroot.tmp"
    # The Swift standard library, Foundation and Dispatch for arm64, as modules and as static
    # (swift_static) and shared libraries, from the arm64 packages (apt in the amd64 root).
    in_host sh -c "dpkg --add-architecture arm64 && apt-get -q -o Acquire::Check-Valid-Until=false update >/dev/null"
    rm -rf "$host/tmp/swiftlang-arm64" && mkdir -p "$host/tmp/swiftlang-arm64"
    in_host sh -c "cd /tmp/swiftlang-arm64 && apt-get -q -o APT::Sandbox::User=root download swiftlang:arm64=$swift_version-\* libswiftlang:arm64=$swift_version-\*"
    dpkg-deb --fsys-tarfile "$host"/tmp/swiftlang-arm64/swiftlang_*_arm64.deb | tar -x -C "$sysroot.tmp" \
        ./usr/libexec/swift/lib/swift ./usr/libexec/swift/lib/swift_static ./usr/libexec/swift/lib/clang
    dpkg-deb -x "$host"/tmp/swiftlang-arm64/libswiftlang_*_arm64.deb "$sysroot.tmp"
    rm -rf "$host/tmp/swiftlang-arm64"
    # Only the static libstdc++: the board needs no libstdc++6 (Swift's runtime is C++).
    rm -f "$sysroot.tmp"/usr/lib/gcc/aarch64-linux-gnu/*/libstdc++.so
    mv "$sysroot.tmp" "$sysroot"
    cat > "$sdk/info.json" <<JSON
{
  "schemaVersion": "1.0",
  "artifacts": {
    "trixie-arm64": {
      "type": "swiftSDK",
      "version": "$swift_version",
      "variants": [{ "path": "trixie-arm64/aarch64-unknown-linux-gnu" }]
    }
  }
}
JSON
    cat > "$variant/swift-sdk.json" <<'JSON'
{
  "schemaVersion": "4.0",
  "targetTriples": {
    "aarch64-unknown-linux-gnu": {
      "sdkRootPath": "sysroot",
      "swiftResourcesPath": "sysroot/usr/libexec/swift/lib/swift",
      "swiftStaticResourcesPath": "sysroot/usr/libexec/swift/lib/swift_static",
      "toolsetPaths": ["toolset.json"]
    }
  }
}
JSON
    # swiftlang's own lld (usr/libexec/swift/bin/ld.lld) links for any target.
    cat > "$variant/toolset.json" <<'JSON'
{
  "schemaVersion": "1.0",
  "swiftCompiler": { "extraCLIOptions": ["-use-ld=lld"] }
}
JSON
    in_host swift sdk list --swift-sdks-path /opt/swift-sdks | grep -qx trixie-arm64 \
        || { echo "error: swift sdk list does not show trixie-arm64" >&2; exit 1; }
    touch "$sdk/.ready"
fi

if [ ! -f "$runtime.packages" ]; then
    echo "swift sdk: arm64 $suite runtime root (what Raspberry Pi OS has: libc6, libjpeg62-turbo, libpng16-16t64, libv4l-0t64)"
    rm -rf "$runtime" "$runtime.tmp" "$runtime.packages"
    mmdebstrap --variant=extract --architectures=arm64 "${apt_options[@]}" --skip=cleanup/apt \
        --include=libc6,libjpeg62-turbo,libpng16-16t64,libv4l-0t64 \
        "$suite" "$runtime.tmp" "$mirror"
    merge_usr "$runtime.tmp"
    for deb in "$runtime.tmp"/var/cache/apt/archives/*.deb; do
        package=$(dpkg-deb -f "$deb" Package)
        dpkg-deb -c "$deb" | awk '{ print ($(NF-1) == "->") ? $(NF-2) : $NF }' \
            | { grep -E '/lib/(aarch64-linux-gnu/)?[^/]+\.so(\.[0-9]+)*$' || true; } \
            | xargs -r -n1 basename | sed "s/\$/ $package/"
    done | sort -u > "$runtime.packages.tmp"
    rm -rf "$runtime.tmp"/var/cache/apt/archives/*.deb "$runtime.tmp"/var/cache/apt/*.bin "$runtime.tmp"/var/lib/apt/lists/*
    grep -q "^libc.so.6 libc6$" "$runtime.packages.tmp" \
        || { echo "error: no libc6 in the runtime packages' libraries ($runtime.packages.tmp)" >&2; exit 1; }
    mv "$runtime.tmp" "$runtime"
    mv "$runtime.packages.tmp" "$runtime.packages"
fi
echo "swift sdk: $cache ready (Swift $swift_version, trixie amd64 -> arm64)"
