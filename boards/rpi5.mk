# Raspberry Pi 5 / CM5: BCM2712, 4x Cortex-A76 (ARMv8.2-A: NEON with dot product `sdot`, fp16,
# crypto), 64-bit Raspberry Pi OS (Debian trixie/bookworm arm64).
BOARD_NAME      = Raspberry Pi 5
BOARD_ARCH      = aarch64
BOARD_CPU       = cortex-a76
BOARD_FEATURES  = neon crc dotprod fp16 rcpc crypto
BOARD_QEMU_CPU  = cortex-a76
BOARD_THREADS   = 4

# The daemon talks on the GPIO UART (enable_uart=1 in config.txt).
SERIAL_DEVICE   = /dev/serial0
