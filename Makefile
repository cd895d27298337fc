# MobileNet for Swift: build, test, run, boards and install.
# `make` builds the host release binary; `make test` is what CI runs (.ci/run).
# Each concern adds its targets in scripts/make/*.mk (included below).

SWIFT  ?= swift
CONFIG ?= release

.PHONY: all build deps test
all: build

build:
	$(SWIFT) build -c $(CONFIG) --product mobilenet

# System packages the build and the tests need (installed when missing; see the script).
deps:
	bash scripts/install-deps.sh

test: deps
	$(SWIFT) test

include $(sort $(wildcard scripts/make/*.mk))
