# The libv4l2 test camera (scripts/camera-plugin): a plugin that turns a described file into a
# capture device for the camera tests. `make test` installs it when the plugin directory is
# writable (CI runs as root); elsewhere the camera tests say so and skip (they fail in CI).
# The directory is asked of pkg-config when the recipe runs, after `deps` installed libv4l-dev.

CAMERA_PLUGIN_DIR ?=
# "00-" sorts it before libv4l-mplane.so, which would otherwise try (and complain about)
# every test device first.
CAMERA_PLUGIN     := .build/camera-plugin/00-mobilenet-test-camera.so

.PHONY: camera-plugin camera-bench
test: camera-plugin

$(CAMERA_PLUGIN): scripts/camera-plugin/test-camera.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -fPIC -shared -fvisibility=hidden -o $@ $<

camera-plugin: deps $(CAMERA_PLUGIN)
	@dir="$(CAMERA_PLUGIN_DIR)"; \
	if [ -z "$$dir" ]; then \
		libdir=$$(pkg-config --variable=libdir libv4l2) || { echo "libv4l2 not found (libv4l-dev)"; exit 1; }; \
		dir=$$libdir/libv4l/plugins; \
	fi; \
	if mkdir -p "$$dir" 2>/dev/null && [ -w "$$dir" ]; then \
		install -m 644 $(CAMERA_PLUGIN) "$$dir/" && echo "test camera installed in $$dir"; \
	else \
		echo "test camera NOT installed: $$dir is not writable (camera capture tests will skip)"; \
	fi

# Capture + conversion medians against one VWW int8 inference (bench/capture_bench.sh).
camera-bench: camera-plugin
	bash bench/capture_bench.sh
