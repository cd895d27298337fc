# Raspberry Pi 4 Model B / 400 / CM4: BCM2711, 4x Cortex-A72 (ARMv8.0-A: NEON, no dot product,
# no crypto extensions), 64-bit Raspberry Pi OS (Debian trixie/bookworm arm64).
BOARD_NAME      = Raspberry Pi 4 Model B
BOARD_ARCH      = aarch64
BOARD_CPU       = cortex-a72
# Instruction-set features the kernels may use; `dotprod` absent: `sdot` is an illegal
# instruction on this CPU (arm-asm-check fails a build that contains one).
BOARD_FEATURES  = neon crc
BOARD_QEMU_CPU  = cortex-a72
BOARD_THREADS   = 4

# The daemon talks on the GPIO UART (enable_uart=1 in config.txt).
SERIAL_DEVICE   = /dev/serial0
