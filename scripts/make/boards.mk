# Loads the board file boards/$(BOARD).mk (see boards/README.md), derives the Linux triple and
# Debian architecture, and sets the defaults (camera, serial line, install paths) that a board
# file may override. Included by the top-level Makefile and by the .mk files that
# need the board's settings while they are read.
ifndef BOARDS_MK_INCLUDED
BOARDS_MK_INCLUDED := 1

BOARD  ?= rpi4
BOARDS := $(sort $(basename $(notdir $(wildcard boards/*.mk))))
ifeq ($(filter $(BOARD),$(BOARDS)),)
$(error BOARD=$(BOARD): there is no boards/$(BOARD).mk (boards: $(BOARDS)))
endif
include boards/$(BOARD).mk

# What follows from the architecture, and the defaults a board file may set otherwise.
BOARD_TRIPLE     ?= $(BOARD_ARCH)-unknown-linux-$(if $(filter armv7,$(BOARD_ARCH)),gnueabihf,gnu)
BOARD_DEB_ARCH   ?= $(patsubst aarch64,arm64,$(patsubst armv7,armhf,$(patsubst x86_64,amd64,$(BOARD_ARCH))))
CAMERA_DEVICE    ?= /dev/video0
CAMERA_WIDTH     ?= 640
CAMERA_HEIGHT    ?= 480
CAMERA_FORMAT    ?= YUYV
SERIAL_DEVICE    ?= /dev/ttyUSB0
SERIAL_BAUD      ?= 115200
PREFIX           ?= /usr
BINDIR           ?= $(PREFIX)/bin
MODEL_DIR        ?= $(PREFIX)/share/mobilenet/models
CONFIG_DIR       ?= /etc/mobilenet
STATE_DIR        ?= /var/lib/mobilenet
SYSTEMD_UNIT_DIR ?= /lib/systemd/system

.PHONY: board-info
board-info:
	@echo "BOARD=$(BOARD): $(BOARD_NAME); $(BOARD_TRIPLE) ($(BOARD_DEB_ARCH)), $(BOARD_CPU) ($(BOARD_FEATURES)), $(BOARD_THREADS) threads"
	@echo "camera $(CAMERA_DEVICE) $(CAMERA_WIDTH)x$(CAMERA_HEIGHT) $(CAMERA_FORMAT), serial $(SERIAL_DEVICE) $(SERIAL_BAUD)"
	@echo "installs to $(BINDIR), models in $(MODEL_DIR), config in $(CONFIG_DIR)"
endif
