# Raspberry Pi 3 Model B / B+ / A+: BCM2837(B0), 4x Cortex-A53 (ARMv8.0-A: NEON, in-order, no dot
# product), 1 GB RAM (A+: 512 MB), 64-bit Raspberry Pi OS. For 32-bit Pi OS use BOARD=rpi-armv7.
BOARD_NAME      = Raspberry Pi 3 Model B/B+
BOARD_ARCH      = aarch64
BOARD_CPU       = cortex-a53
BOARD_FEATURES  = neon crc
BOARD_QEMU_CPU  = cortex-a53
BOARD_THREADS   = 4

# The daemon talks on the GPIO UART (enable_uart=1 in config.txt).
SERIAL_DEVICE   = /dev/serial0
