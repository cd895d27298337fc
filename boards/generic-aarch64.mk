# Any 64-bit ARM Linux board (ARMv8.0-A baseline: NEON, no dot product), e.g. Rock Pi, Orange Pi,
# NVIDIA Jetson Nano, Amazon Graviton 1 instances. Pick a board file with its CPU when there is one.
BOARD_NAME      = Generic aarch64 (ARMv8.0-A)
BOARD_ARCH      = aarch64
BOARD_TRIPLE    = aarch64-unknown-linux-gnu
BOARD_CPU       = generic
BOARD_FEATURES  = neon
# The oldest ARMv8.0 core qemu-user emulates: a build using anything newer fails its tests.
BOARD_QEMU_CPU  = cortex-a53
BOARD_THREADS   = 4
BOARD_DEB_ARCH  = arm64

# Daemon defaults: a USB (UVC) camera, a USB serial adapter.
CAMERA_DEVICE   = /dev/video0
CAMERA_WIDTH    = 640
CAMERA_HEIGHT   = 480
CAMERA_FORMAT   = YUYV
SERIAL_DEVICE   = /dev/ttyUSB0
SERIAL_BAUD     = 115200
