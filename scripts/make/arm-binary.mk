# The whole `mobilenet` binary for a 64-bit ARM board, cross-compiled here, tested under
# qemu-user, and packaged (docs/ARCHITECTURE.md, "ARM boards").
#
#   make arm-sdk                      the cached toolchain: Debian trixie's amd64 Swift 6.0.3 in a
#                                     chroot, an arm64 trixie Swift SDK and a Pi-OS-like arm64
#                                     runtime root, in $(ARM_CACHE)/swift-trixie (once, ~4 min)
#   make BOARD=rpi5 arm-binary        .build/boards/rpi5/mobilenet (+ its resource folder), Swift
#                                     runtime and libstdc++ static (~7 min from clean)
#   make BOARD=rpi5 arm-binary-test   checks its libraries and glibc symbols, runs --help, classify,
#                                     run, bench and watch under qemu-aarch64 -cpu cortex-a76 with
#                                     only Pi OS's libraries, and compares them with the host build
#   make BOARD=rpi5 deb               build/mobilenet-watch_<version>_arm64.deb of that binary
#   make arm-binary-ci                arm-binary-test for rpi4 and rpi5, and the rpi5 .deb (.ci/run)
#
# Route: trixie on both sides (Raspberry Pi OS is trixie; a binary linked against a newer glibc
# does not start there), the same Swift version on both sides (6.0.3), natively fast.
include scripts/make/boards.mk

ARM_CACHE   ?= ../arm-cache
export ARM_CACHE
SHARED      ?= ../shared
ARM_BIN_OUT := .build/boards/$(BOARD)

.PHONY: arm-sdk arm-binary arm-binary-test arm-binary-ci
arm-sdk:
	@bash scripts/arm/setup-swift-sdk.sh

arm-binary: arm-sdk
	@[ "$(BOARD_ARCH)" = aarch64 ] || { echo "arm-binary: BOARD=$(BOARD) is $(BOARD_ARCH); the whole binary is built for aarch64 boards" >&2; exit 1; }
	@echo "cross build (Swift 6.0.3, trixie arm64 SDK, -target-cpu $(BOARD_CPU)): $(ARM_BIN_OUT)/mobilenet"
	@bash scripts/arm/swift-cross-build.sh $(BOARD_CPU) $(ARM_BIN_OUT)

arm-binary-test: arm-binary build
	@bash scripts/arm/test-binary.sh $(ARM_BIN_OUT)/mobilenet $(BOARD_QEMU_CPU) "$(BOARD_FEATURES)" $(BIN_DIR)/mobilenet $(SHARED)

arm-binary-ci:
	@$(MAKE) --no-print-directory BOARD=rpi4 arm-binary-test
	@$(MAKE) --no-print-directory BOARD=rpi5 arm-binary-test
	@$(MAKE) --no-print-directory BOARD=rpi5 deb
	@bash scripts/arm/check-deb.sh "build/mobilenet-watch_*_arm64.deb" cortex-a76
