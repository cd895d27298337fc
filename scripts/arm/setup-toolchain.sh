#!/usr/bin/env bash
# Installs what the ARM board builds and tests need (idempotent; see boards/README.md):
# cross C compilers and binutils (linking Embedded Swift objects into Linux executables,
# disassembly), qemu-user (running them as a Cortex-A53/A72/A76 or ARMv7 CPU), and LLVM 19's
# llvm-mca and llvm-objdump (cycle estimates, disassembly), python3 for the disassembly check.
# As root it runs apt-get; otherwise it prints the one command to run and fails.
set -euo pipefail
cd "$(dirname "$0")/../.."

bash scripts/install-deps.sh \
    gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu \
    gcc-arm-linux-gnueabihf libc6-dev-armhf-cross binutils-arm-linux-gnueabihf \
    qemu-user llvm-19 gcc libc6-dev python3

# The Swift toolchain must ship the Embedded standard library for the boards' targets.
swift_resources="$(dirname "$(dirname "$(command -v swiftc)")")/lib/swift/embedded"
for target in aarch64-none-none-elf armv7-none-none-eabi; do
    if [ ! -d "$swift_resources/$target" ]; then
        echo "error: this Swift toolchain has no Embedded Swift standard library for $target ($swift_resources)" >&2
        exit 1
    fi
done
