#!/bin/sh
# Compiles the int8 runtime (Sources/MobileNetRuntime) as Embedded Swift for a bare-metal
# aarch64 core, so that the module stays free of what Embedded Swift refuses (existentials,
# untyped throws, reflection, Foundation/Glibc). The object file is the proof; nothing runs.
#
#   scripts/check-embedded.sh [target-triple] [target-cpu]   (default aarch64-none-none-elf cortex-a72)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
triple=${1:-aarch64-none-none-elf}
cpu=${2:-cortex-a72}
swiftc=${SWIFTC:-swiftc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

# The C targets' modules, as SwiftPM would describe them.
cat > "$work/module.modulemap" <<MAP
module CRuntimeSupport {
    header "$root/Sources/CRuntimeSupport/include/CRuntimeSupport.h"
    export *
}
module CDotProduct {
    header "$root/Sources/CDotProduct/include/CDotProduct.h"
    export *
}
MAP

sources=$(find "$root/Sources/MobileNetRuntime" -name '*.swift' | sort)
# shellcheck disable=SC2086
"$swiftc" -enable-experimental-feature Embedded -wmo -O -parse-as-library \
    -target "$triple" -target-cpu "$cpu" -module-name MobileNetRuntime -package-name mobilenet \
    -I "$work" -emit-object $sources -o "$work/MobileNetRuntime.o"
size=$(wc -c < "$work/MobileNetRuntime.o")
echo "check-embedded: MobileNetRuntime compiles as Embedded Swift for $triple ($cpu): $size-byte object"
