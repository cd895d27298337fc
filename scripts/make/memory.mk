# What keeps the `mobilenet` process small (docs/ARCHITECTURE.md, "Memory"), checked by `make test`
# on the release binary: no full Foundation (it brings ICU and ~5 MB of resident memory back:
# one `import Foundation` in any module of the CLI does it), no libstdc++.so.6, and packed
# relative relocations.
.PHONY: memory-check
test: memory-check

memory-check: build
	@bin=$$($(SWIFT) build -c $(CONFIG) --show-bin-path)/mobilenet; \
	foundation=$$(nm "$$bin" | grep -c ' [TtDdRr] $$s10Foundation' || true); \
	[ "$$foundation" = 0 ] || { echo "memory-check: $$bin links full Foundation ($$foundation symbols): a module imports Foundation instead of FoundationEssentials" >&2; exit 1; }; \
	! readelf -d "$$bin" | grep -q 'libstdc++' || { echo "memory-check: $$bin needs libstdc++.so (scripts/link/libstdc++.so not used)" >&2; exit 1; }; \
	readelf -d "$$bin" | grep -q '(RELR)' || { echo "memory-check: $$bin has no packed relative relocations (DT_RELR)" >&2; exit 1; }; \
	echo "memory-check: no Foundation, static libstdc++, DT_RELR ($$(du -m "$$bin" | cut -f1) MB binary)"
