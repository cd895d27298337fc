# Raspberry Pi Zero 2 W: RP3A0, 4x Cortex-A53 at 1 GHz (ARMv8.0-A: NEON, no dot product), 512 MB
# RAM, 64-bit Raspberry Pi OS. Small camera frames keep the capture buffers (and memory) small.
BOARD_NAME      = Raspberry Pi Zero 2 W
BOARD_ARCH      = aarch64
BOARD_TRIPLE    = aarch64-unknown-linux-gnu
BOARD_CPU       = cortex-a53
BOARD_FEATURES  = neon crc
# The CPU qemu-user emulates for this board's tests (empty: runs natively).
BOARD_QEMU_CPU  = cortex-a53
BOARD_THREADS   = 4
BOARD_DEB_ARCH  = arm64

# Daemon defaults: a USB (UVC) camera on the OTG port, the GPIO UART (enable_uart=1).
CAMERA_DEVICE   = /dev/video0
CAMERA_WIDTH    = 320
CAMERA_HEIGHT   = 240
CAMERA_FORMAT   = YUYV
SERIAL_DEVICE   = /dev/serial0
SERIAL_BAUD     = 115200
