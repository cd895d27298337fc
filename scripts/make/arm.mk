# Board builds of the int8 runtime, and its bit-exactness tests under qemu-user.
#
#   make BOARD=rpi4 arm             the runtime (Embedded Swift, -target-cpu of the board) and its
#                                   test program, .build/boards/rpi4/bit-exact
#   make BOARD=rpi4 arm-test        runs that program as the board's CPU (qemu-aarch64 -cpu ...)
#   make arm-test-all               arm-test for every board in boards/
#   make arm-test-ci                rpi4 and rpi5 arm-test (part of `make test`)
#   make BOARD=rpi4 arm-asm-check   the kernels' hot loops in the board build's disassembly
#                                   (scripts/arm/asm_check.py)
#
# Route: the toolchain has no Linux standard library for ARM, but ships Embedded Swift for
# aarch64-none-none-elf / armv7-none-none-eabi; the runtime module needs nothing else. Its
# objects are linked with Debian's cross gcc (aarch64: -static-pie, plain -static fails on a
# copy relocation) against glibc, and run with qemu-user. scripts/arm/setup-toolchain.sh installs
# the tools. (The whole `mobilenet` binary for a board: scripts/make/arm-binary.mk.)
include scripts/make/boards.mk

SHARED       ?= ../shared
EMBEDDED_LIB := $(shell dirname $$(dirname $$(command -v swiftc 2>/dev/null || echo /x/x)))/lib/swift/embedded
ARM_OUT      := .build/boards/$(BOARD)

ifeq ($(BOARD_ARCH),aarch64)
EMBEDDED_TRIPLE := aarch64-none-none-elf
C_TRIPLE        := aarch64-linux-gnu
BOARD_LINK      := aarch64-linux-gnu-gcc -static-pie
BOARD_QEMU      := qemu-aarch64
else ifeq ($(BOARD_ARCH),armv7)
EMBEDDED_TRIPLE := armv7-none-none-eabi
C_TRIPLE        := arm-linux-gnueabihf
# Debian's armhf libc has no static-pie start file (rcrt1.o): a static executable. The
# toolchain's Unicode tables are built for the soft-float ABI; they pass no floats, so the ABI
# tag mismatch is harmless.
BOARD_LINK      := arm-linux-gnueabihf-gcc -static -Wl,--no-warn-mismatch
BOARD_QEMU      := qemu-arm
# Linux armhf passes floats in VFP registers; Embedded Swift's default for the bare-metal
# triple is soft-float.
EMBEDDED_FLAGS  := -Xcc -mfloat-abi=hard -Xcc -mfpu=neon-vfpv4
C_FLAGS         := -mfloat-abi=hard -mfpu=neon-vfpv4
else ifeq ($(BOARD_ARCH),x86_64)
EMBEDDED_TRIPLE := x86_64-unknown-linux-gnu
C_TRIPLE        := x86_64-linux-gnu
BOARD_LINK      := gcc -static-pie
BOARD_QEMU      :=
endif

# Kernel variants from the board's instruction-set features: `dotprod` (ARMv8.2 sdot, the Pi 5)
# selects the sdot GEMM (MOBILENET_DOTPROD, for Swift and for CDotProduct.h, which the Swift
# compile imports with the same target CPU). A board without it never gets sdot.
BOARD_DEFINES := $(if $(filter dotprod,$(BOARD_FEATURES)),MOBILENET_DOTPROD)
ifeq ($(BOARD_ARCH),aarch64)
C_FLAGS += -mcpu=$(BOARD_CPU)
endif

ARM_SWIFTC := swiftc -enable-experimental-feature Embedded -wmo -O -parse-as-library -package-name mobilenet \
              -target $(EMBEDDED_TRIPLE) -target-cpu $(BOARD_CPU) $(EMBEDDED_FLAGS) \
              $(foreach d,$(BOARD_DEFINES),-D $(d) -Xcc -D$(d))
ARM_CC     := clang --target=$(C_TRIPLE) -O2 $(C_FLAGS) $(foreach d,$(BOARD_DEFINES),-D$(d))

RUNTIME_SOURCES := $(sort $(shell find Sources/MobileNetRuntime -name '*.swift'))
DRIVER_SOURCES  := $(sort $(wildcard Tests/EmbeddedBitExact/*.swift))
MODULE_MAPS     := $(ARM_OUT)/modules/CRuntimeSupport/module.modulemap $(ARM_OUT)/modules/CDotProduct/module.modulemap \
                   $(ARM_OUT)/modules/CDriverSupport/module.modulemap
RUNTIME_MODULES := -I $(ARM_OUT)/modules/CRuntimeSupport -I $(ARM_OUT)/modules/CDotProduct

.PHONY: arm arm-toolchain arm-test arm-test-all arm-asm-check

arm-toolchain:
	@bash scripts/arm/setup-toolchain.sh

arm: arm-toolchain
	@$(MAKE) --no-print-directory $(ARM_OUT)/bit-exact

# SwiftPM describes C targets to the compiler with a module map; the same, for the C layers.
$(ARM_OUT)/modules/CRuntimeSupport/module.modulemap: Sources/CRuntimeSupport/include/CRuntimeSupport.h
	@mkdir -p $(@D)
	@printf 'module CRuntimeSupport {\n    header "%s"\n    export *\n}\n' "$(CURDIR)/$<" > $@

$(ARM_OUT)/modules/CDotProduct/module.modulemap: Sources/CDotProduct/include/CDotProduct.h
	@mkdir -p $(@D)
	@printf 'module CDotProduct {\n    header "%s"\n    export *\n}\n' "$(CURDIR)/$<" > $@

$(ARM_OUT)/modules/CDriverSupport/module.modulemap: Tests/EmbeddedBitExact/CDriverSupport/DriverSupport.h
	@mkdir -p $(@D)
	@printf 'module CDriverSupport {\n    header "%s"\n    export *\n}\n' "$(CURDIR)/$<" > $@

# The runtime module: its object (what the asm check reads) and its interface for the driver.
$(ARM_OUT)/MobileNetRuntime.o: $(RUNTIME_SOURCES) $(MODULE_MAPS) boards/$(BOARD).mk scripts/make/arm.mk
	@echo "swiftc (Embedded, $(EMBEDDED_TRIPLE), $(BOARD_CPU)): MobileNetRuntime"
	@$(ARM_SWIFTC) -module-name MobileNetRuntime $(RUNTIME_MODULES) \
	    -emit-module -emit-module-path $(ARM_OUT)/MobileNetRuntime.swiftmodule -c $(RUNTIME_SOURCES) -o $@
	@touch $@  # swiftc keeps an unchanged object's old time stamp

$(ARM_OUT)/BitExactDriver.o: $(DRIVER_SOURCES) $(ARM_OUT)/MobileNetRuntime.o
	@echo "swiftc (Embedded, $(EMBEDDED_TRIPLE), $(BOARD_CPU)): BitExactDriver"
	@$(ARM_SWIFTC) -module-name BitExactDriver -I $(ARM_OUT) $(RUNTIME_MODULES) \
	    -I $(ARM_OUT)/modules/CDriverSupport -c $(DRIVER_SOURCES) -o $@
	@touch $@

$(ARM_OUT)/CRuntimeSupport.o: Sources/CRuntimeSupport/RuntimeSupport.c Sources/CRuntimeSupport/include/CRuntimeSupport.h
	@mkdir -p $(@D)
	@$(ARM_CC) -I Sources/CRuntimeSupport/include -c $< -o $@

$(ARM_OUT)/CDotProduct.o: Sources/CDotProduct/DotProduct.c Sources/CDotProduct/include/CDotProduct.h
	@mkdir -p $(@D)
	@$(ARM_CC) -I Sources/CDotProduct/include -c $< -o $@

$(ARM_OUT)/DriverSupport.o: Tests/EmbeddedBitExact/CDriverSupport/DriverSupport.c Tests/EmbeddedBitExact/CDriverSupport/DriverSupport.h
	@mkdir -p $(@D)
	@$(ARM_CC) -c $< -o $@

$(ARM_OUT)/bit-exact: $(ARM_OUT)/BitExactDriver.o $(ARM_OUT)/MobileNetRuntime.o $(ARM_OUT)/CRuntimeSupport.o \
                      $(ARM_OUT)/CDotProduct.o $(ARM_OUT)/DriverSupport.o
	@echo "link ($(BOARD_LINK)): $@"
	@$(BOARD_LINK) -o $@ $^ $(EMBEDDED_LIB)/$(EMBEDDED_TRIPLE)/libswiftUnicodeDataTables.a -lpthread -lm

# The board's CPU must be able to run every instruction of the build (a Pi 4 has no sdot):
# checked in the disassembly, and again by qemu emulating that CPU.
arm-test: arm
	@$(if $(BOARD_QEMU),python3 scripts/arm/asm_check.py --isa-only $(ARM_OUT)/bit-exact --features "$(BOARD_FEATURES)")
	@echo "bit-exact tests, BOARD=$(BOARD) ($(BOARD_NAME)), $(if $(BOARD_QEMU),$(BOARD_QEMU) -cpu $(BOARD_QEMU_CPU),native):"
	@$(if $(BOARD_QEMU),nice -n 10 $(BOARD_QEMU) -cpu $(BOARD_QEMU_CPU)) $(ARM_OUT)/bit-exact \
	    --shared $(SHARED) --fixtures Tests/MobileNetTests/Fixtures/int8

arm-test-all:
	@set -e; for board in $(BOARDS); do $(MAKE) --no-print-directory BOARD=$$board arm-test; done

arm-asm-check: arm
	@python3 scripts/arm/asm_check.py $(ARM_OUT)/MobileNetRuntime.o --features "$(BOARD_FEATURES)" \
	    --loops-dir $(ARM_OUT)/hot-loops

# CI (`make test`): the Pi 4 and Pi 5 builds pass the bit-exactness tests as their CPUs (about
# 3 minutes, mostly the two Embedded Swift builds). The other boards: `make arm-test-all`.
.PHONY: arm-test-ci
test: arm-test-ci
arm-test-ci:
	@$(MAKE) --no-print-directory BOARD=rpi4 arm-test
	@$(MAKE) --no-print-directory BOARD=rpi5 arm-test
