# 32-bit Raspberry Pi OS (armhf userland) on a Pi 2 v1.1, 3, 4 or Zero 2 W: the kernels are built
# for ARMv7-A with NEON (Cortex-A7, the oldest of those CPUs), hard-float calling convention.
# (The Pi 1 and Zero/Zero W are ARMv6 without NEON and are not supported.)
BOARD_NAME      = Raspberry Pi, 32-bit Raspberry Pi OS (ARMv7 + NEON)
BOARD_ARCH      = armv7
BOARD_TRIPLE    = armv7-unknown-linux-gnueabihf
BOARD_CPU       = cortex-a7
BOARD_FEATURES  = neon vfpv4
# The CPU qemu-user emulates for this board's tests (empty: runs natively).
BOARD_QEMU_CPU  = cortex-a7
BOARD_THREADS   = 4
BOARD_DEB_ARCH  = armhf

# Daemon defaults: a USB (UVC) camera, the GPIO UART (enable_uart=1 in config.txt).
CAMERA_DEVICE   = /dev/video0
CAMERA_WIDTH    = 640
CAMERA_HEIGHT   = 480
CAMERA_FORMAT   = YUYV
SERIAL_DEVICE   = /dev/serial0
SERIAL_BAUD     = 115200
