# Raspberry Pi 5 / CM5: BCM2712, 4x Cortex-A76 (ARMv8.2-A: NEON with dot product `sdot`, fp16,
# crypto), 64-bit Raspberry Pi OS (Debian trixie/bookworm arm64).
BOARD_NAME      = Raspberry Pi 5
BOARD_ARCH      = aarch64
BOARD_TRIPLE    = aarch64-unknown-linux-gnu
BOARD_CPU       = cortex-a76
BOARD_FEATURES  = neon crc dotprod fp16 rcpc crypto
# The CPU qemu-user emulates for this board's tests (empty: runs natively).
BOARD_QEMU_CPU  = cortex-a76
BOARD_THREADS   = 4
BOARD_DEB_ARCH  = arm64

# Daemon defaults: a USB (UVC) camera, the GPIO UART (enable_uart=1 in config.txt).
CAMERA_DEVICE   = /dev/video0
CAMERA_WIDTH    = 640
CAMERA_HEIGHT   = 480
CAMERA_FORMAT   = YUYV
SERIAL_DEVICE   = /dev/serial0
SERIAL_BAUD     = 115200
