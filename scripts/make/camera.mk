# The libv4l2 test camera (scripts/camera-plugin): a plugin that turns a described file into a
# capture device for the camera tests. `make test` installs it when the plugin directory is
# writable (CI runs as root); elsewhere the camera tests say so and skip (they fail in CI).

CAMERA_PLUGIN_DIR ?= $(shell pkg-config --variable=libdir libv4l2 2>/dev/null)/libv4l/plugins
CAMERA_PLUGIN     := .build/camera-plugin/mobilenet-test-camera.so

.PHONY: camera-plugin camera-bench
test: camera-plugin

$(CAMERA_PLUGIN): scripts/camera-plugin/test-camera.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -fPIC -shared -fvisibility=hidden -o $@ $<

camera-plugin: deps $(CAMERA_PLUGIN)
	@if mkdir -p $(CAMERA_PLUGIN_DIR) 2>/dev/null && [ -w $(CAMERA_PLUGIN_DIR) ]; then \
		install -m 644 $(CAMERA_PLUGIN) $(CAMERA_PLUGIN_DIR)/ && echo "test camera installed in $(CAMERA_PLUGIN_DIR)"; \
	else \
		echo "test camera NOT installed: $(CAMERA_PLUGIN_DIR) is not writable (camera tests will skip)"; \
	fi

# Capture + conversion medians against one VWW int8 inference (bench/capture_bench.sh).
camera-bench: camera-plugin
	bash bench/capture_bench.sh
