# Raspberry Pi Zero 2 W: RP3A0, 4x Cortex-A53 at 1 GHz (ARMv8.0-A: NEON, no dot product), 512 MB
# RAM, 64-bit Raspberry Pi OS. Small camera frames keep the capture buffers (and memory) small.
BOARD_NAME      = Raspberry Pi Zero 2 W
BOARD_ARCH      = aarch64
BOARD_CPU       = cortex-a53
BOARD_FEATURES  = neon crc
BOARD_QEMU_CPU  = cortex-a53
BOARD_THREADS   = 4

# A USB camera on the OTG port, at a small size (512 MB of RAM); the GPIO UART (enable_uart=1).
CAMERA_WIDTH    = 320
CAMERA_HEIGHT   = 240
SERIAL_DEVICE   = /dev/serial0
