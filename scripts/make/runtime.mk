# The int8 runtime (Sources/MobileNetRuntime) must keep compiling as Embedded Swift for a
# bare-metal aarch64 core (issue 13): `make test` runs the check before the Swift tests.
.PHONY: test-embedded
test-embedded:
	sh scripts/check-embedded.sh aarch64-none-none-elf cortex-a72

test: test-embedded
