# `mobilenet watch`: the demo run, install, the Debian package and their checks.
#   make run                       labels from /dev/video0, or from the demo images when there is no camera
#   make install [DESTDIR=] [PREFIX=/usr/local]
#   make deb                       build/mobilenet-watch_<version>_<arch>.deb
#   make BOARD=rpi5 deb            the same for the board's architecture from its cross-built binary
#   make watch-check               systemd-analyze verify/security, install and deb contents (part of make test)
#   make soak                      100,000 frames, RSS sampled (scripts/soak.sh)

PREFIX     ?= /usr/local
DESTDIR    ?=
INSTALL_STRIP ?=
SYSCONFDIR ?= /etc
UNITDIR    ?= /lib/systemd/system
BIN_DIR    := $(shell $(SWIFT) build -c $(CONFIG) --show-bin-path 2>/dev/null)
DEMO_IMAGES ?= ../shared/golden/images
DEMO_FRAMES ?= 24
DEB_VERSION ?= 0.1.0~git$(shell git log -1 --format=%cd.%h --date=format:%Y%m%d 2>/dev/null || echo 0)
DEB_ARCH   := $(shell dpkg --print-architecture 2>/dev/null || uname -m)
# What `install` installs: the host build; with `make BOARD=<board> deb` for a board of another
# architecture (BOARD=rpi5 on x86-64), the board's cross-built binary (scripts/make/arm-binary.mk),
# stripped by the cross binutils, its Depends from the board's runtime packages.
INSTALL_FROM    := build
INSTALL_BIN_DIR  = $(BIN_DIR)
DEB_STRIP       := -s
DEB_ENV         :=
ifneq ($(origin BOARD),file)
ifneq ($(BOARD_DEB_ARCH),$(DEB_ARCH))
DEB_ARCH        := $(BOARD_DEB_ARCH)
INSTALL_FROM    := arm-binary
INSTALL_BIN_DIR  = .build/boards/$(BOARD)
DEB_STRIP       := -s --strip-program=$(BOARD_ARCH)-linux-gnu-strip
DEB_ENV         := OBJDUMP=$(BOARD_ARCH)-linux-gnu-objdump DEB_LIBRARY_PACKAGES=$(ARM_CACHE)/swift-trixie/runtime-arm64.packages
endif
endif
DEB_ROOT   := build/deb/mobilenet-watch_$(DEB_ARCH)
DEB_FILE   := build/mobilenet-watch_$(DEB_VERSION)_$(DEB_ARCH).deb

.PHONY: run install deb watch-check soak
# The end-to-end tests (Tests/MobileNetDaemonTests) run the release binary that `build` makes.
test: watch-check build

# The main job on any machine: the camera when there is one, else the demo images looped.
run: build
	@if [ -e /dev/video0 ]; then \
		echo "watch: /dev/video0 (Ctrl-C stops)"; \
		$(BIN_DIR)/mobilenet watch --camera /dev/video0 --emit every --stats 10; \
	elif [ -d $(DEMO_IMAGES) ]; then \
		echo "watch: no camera; demo source $(DEMO_IMAGES) (looped, $(DEMO_FRAMES) frames, embedded int8 CIFAR-10 model)"; \
		$(BIN_DIR)/mobilenet watch --source $(DEMO_IMAGES) --emit every --frames $(DEMO_FRAMES) --stats 1; \
	else \
		echo "no /dev/video0 and no $(DEMO_IMAGES): pass a source, e.g. $(BIN_DIR)/mobilenet watch --source IMAGES/" >&2; exit 1; \
	fi

# The binary with its resource folder (the embedded model) in $(PREFIX)/lib/mobilenet, a link in
# $(PREFIX)/bin, the default config (kept when present) and the unit pointing at the binary.
install: $(INSTALL_FROM)
	install -d $(DESTDIR)$(PREFIX)/lib/mobilenet $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(SYSCONFDIR)/mobilenet $(DESTDIR)$(UNITDIR)
	install -m 755 $(INSTALL_STRIP) $(INSTALL_BIN_DIR)/mobilenet $(DESTDIR)$(PREFIX)/lib/mobilenet/mobilenet
	cp -R $(INSTALL_BIN_DIR)/MobileNet_MobileNetCLI.resources $(DESTDIR)$(PREFIX)/lib/mobilenet/
	chmod -R u=rwX,go=rX $(DESTDIR)$(PREFIX)/lib/mobilenet/MobileNet_MobileNetCLI.resources
	ln -sf ../lib/mobilenet/mobilenet $(DESTDIR)$(PREFIX)/bin/mobilenet
	[ -e $(DESTDIR)$(SYSCONFDIR)/mobilenet/watch.conf ] || install -m 644 scripts/systemd/watch.conf $(DESTDIR)$(SYSCONFDIR)/mobilenet/watch.conf
	sed -e 's|/usr/bin/mobilenet|$(PREFIX)/bin/mobilenet|; s|/etc/mobilenet/|$(SYSCONFDIR)/mobilenet/|' \
		scripts/systemd/mobilenet-watch.service > $(DESTDIR)$(UNITDIR)/mobilenet-watch.service
	chmod 644 $(DESTDIR)$(UNITDIR)/mobilenet-watch.service

deb:
	rm -rf $(DEB_ROOT)
	$(MAKE) --no-print-directory install DESTDIR=$(CURDIR)/$(DEB_ROOT) PREFIX=/usr INSTALL_STRIP="$(DEB_STRIP)"
	$(DEB_ENV) bash scripts/package/make-deb.sh $(DEB_ROOT) $(DEB_VERSION) $(DEB_ARCH) $(DEB_FILE)

watch-check: deps
	bash scripts/package/check-watch-install.sh

soak:
	bash scripts/soak.sh
