# Any 64-bit ARM Linux board (ARMv8.0-A baseline: NEON, no dot product), e.g. Rock Pi, Orange Pi,
# NVIDIA Jetson Nano, Amazon Graviton 1 instances. Pick a board file with its CPU when there is one.
BOARD_NAME      = Generic aarch64 (ARMv8.0-A)
BOARD_ARCH      = aarch64
BOARD_CPU       = generic
BOARD_FEATURES  = neon
# The oldest ARMv8.0 core qemu-user emulates: a build using anything newer fails its tests.
BOARD_QEMU_CPU  = cortex-a53
BOARD_THREADS   = 4
