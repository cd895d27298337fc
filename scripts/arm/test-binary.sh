#!/usr/bin/env bash
# Tests a cross-built arm64 `mobilenet` (scripts/arm/swift-cross-build.sh) as the board would run
# it: under qemu-aarch64 emulating the board's CPU, with nothing but the Pi-OS-like runtime root
# (libc6, libgcc-s1, libjpeg62-turbo, libpng16-16t64, libv4l-0t64; setup-swift-sdk.sh) as its
# libraries. Every command's output is compared with the host build's for the same input.
#
#   scripts/arm/test-binary.sh BIN QEMU_CPU "FEATURES" HOST_BIN SHARED
set -euo pipefail
[ $# -eq 5 ] || { echo "usage: $0 BIN QEMU_CPU FEATURES HOST_BIN SHARED" >&2; exit 2; }
bin=$1 cpu=$2 features=$3 host_bin=$4 shared=$5
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${ARM_CACHE:-$(dirname "$repo")/arm-cache}
runtime=$(cd "$cache" && pwd)/swift-trixie/runtime-arm64
fail() { echo "arm-binary-test: FAIL: $*" >&2; exit 1; }
[ -x "$bin" ] || fail "$bin is missing (make BOARD=... arm-binary)"
[ -x "$host_bin" ] || fail "$host_bin is missing (make build)"
[ -d "$runtime/usr/lib/aarch64-linux-gnu" ] || fail "no runtime root $runtime (make arm-sdk)"
for f in models/vww_96_int8.tflite models/vww_96_float.tflite golden/vww_96_float.golden.safetensors golden/images; do
    [ -e "$shared/$f" ] || fail "$shared/$f is missing"
done
images=$shared/golden/images
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The ELF file: aarch64, only the libraries Raspberry Pi OS has, symbols of trixie's glibc.
aarch64-linux-gnu-readelf -h "$bin" | grep -q "Machine:.*AArch64" || fail "$bin is not an aarch64 executable"
needed=$(aarch64-linux-gnu-readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | paste -sd' ' -)
for library in $needed; do
    case $library in
        libc.so.6|libm.so.6|ld-linux-aarch64.so.1|libgcc_s.so.1|libjpeg.so.62|libpng16.so.16|libv4l2.so.0) ;;
        *) fail "$bin needs $library (allowed: glibc, libgcc_s, libjpeg, libpng16, libv4l2)" ;;
    esac
done
glibc=$(aarch64-linux-gnu-objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
[ "$(printf '%s\nGLIBC_2.41\n' "$glibc" | sort -V | tail -1)" = GLIBC_2.41 ] \
    || fail "$bin needs $glibc, newer than trixie's glibc 2.41"
echo "arm-binary-test: $bin: NEEDED $needed; newest symbol version $glibc"
if [[ " $features " != *" dotprod "* ]]; then
    dots=$(aarch64-linux-gnu-objdump -d "$bin" | grep -cwE 'sdot|udot' || true)
    [ "$dots" -eq 0 ] || fail "$bin contains $dots sdot/udot instructions; its CPU ($cpu) has no dotprod"
fi

qemu() { qemu-aarch64 -cpu "$cpu" -L "$runtime" "$bin" "$@"; }
same() {  # name, arm64 output file, host output file
    cmp -s "$2" "$3" || { diff "$2" "$3" | head -20 >&2; fail "$1: arm64 and host outputs differ"; }
    echo "arm-binary-test: $1: same as the host build ($(wc -c < "$2") bytes)"
}

qemu --help > "$work/help.txt" || fail "mobilenet --help exited with $?"
grep -q "SUBCOMMANDS:" "$work/help.txt" || fail "mobilenet --help printed no subcommands"
echo "arm-binary-test: --help runs under qemu-aarch64 -cpu $cpu with only $runtime"

qemu classify "$images" --model "$shared/models/vww_96_int8.tflite" --json > "$work/arm.json"
"$host_bin" classify "$images" --model "$shared/models/vww_96_int8.tflite" --json > "$work/host.json"
same "classify (VWW int8, $(ls "$images" | wc -l) images)" "$work/arm.json" "$work/host.json"

qemu classify "$images" > "$work/arm.txt"
"$host_bin" classify "$images" > "$work/host.txt"
same "classify (embedded float CIFAR-10 model)" "$work/arm.txt" "$work/host.txt"

qemu run --model "$shared/models/vww_96_float.tflite" --input "$shared/golden/vww_96_float.golden.safetensors" \
    --output "$work/arm.safetensors" > /dev/null
"$host_bin" run --model "$shared/models/vww_96_float.tflite" --input "$shared/golden/vww_96_float.golden.safetensors" \
    --output "$work/host.safetensors" > /dev/null
same "run (VWW float, 12 golden inputs)" "$work/arm.safetensors" "$work/host.safetensors"

qemu bench --model "$shared/models/vww_96_int8.tflite" --runs 3 --json > "$work/bench.json"
grep -q '"runs":3' "$work/bench.json" && grep -q '"median_ms":[0-9]' "$work/bench.json" \
    || fail "bench printed no timing: $(cat "$work/bench.json")"
echo "arm-binary-test: bench (emulated, not a board's speed): $(cat "$work/bench.json")"

# watch: the demo source of `make run`, every frame's label (timestamps stripped).
qemu watch --source "$images" --emit every --frames 24 > "$work/arm-watch.txt" 2> "$work/arm-watch.err" \
    || { cat "$work/arm-watch.err" >&2; fail "watch exited with $?"; }
"$host_bin" watch --source "$images" --emit every --frames 24 > "$work/host-watch.txt" 2> /dev/null
cut -d' ' -f2- "$work/arm-watch.txt" > "$work/arm-labels.txt"
cut -d' ' -f2- "$work/host-watch.txt" > "$work/host-labels.txt"
[ "$(wc -l < "$work/arm-labels.txt")" -eq 24 ] || fail "watch printed $(wc -l < "$work/arm-labels.txt") labels for 24 frames"
same "watch (image folder, 24 frames)" "$work/arm-labels.txt" "$work/host-labels.txt"
echo "arm-binary-test: $bin passed as $cpu"
