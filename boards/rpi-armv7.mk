# 32-bit Raspberry Pi OS (armhf userland) on a Pi 2 v1.1, 3, 4 or Zero 2 W: the kernels are built
# for ARMv7-A with NEON (Cortex-A7, the oldest of those CPUs), hard-float calling convention.
# (The Pi 1 and Zero/Zero W are ARMv6 without NEON and are not supported.)
BOARD_NAME      = Raspberry Pi, 32-bit Raspberry Pi OS (ARMv7 + NEON)
BOARD_ARCH      = armv7
BOARD_CPU       = cortex-a7
BOARD_FEATURES  = neon vfpv4
BOARD_QEMU_CPU  = cortex-a7
BOARD_THREADS   = 4

# The daemon talks on the GPIO UART (enable_uart=1 in config.txt).
SERIAL_DEVICE   = /dev/serial0
