#!/usr/bin/env bash
# Instructions per inference, ours / TFLite's own aarch64 runtime (ai-edge-litert, XNNPACK int8),
# 1 thread, same .tflite, same emulated CPU: the Pi 4's Cortex-A72 (BOARD=rpi4) and the Pi 5's
# Cortex-A76 (BOARD=rpi5). An ESTIMATE of relative speed: executed instructions, counted exactly
# by a qemu TCG plugin (insn_count_plugin.c), not cycles.
#
# Per inference = (count of N2 inferences - count of N1) / (N2 - N1): start-up and model loading
# cancel out. TFLite's start-up (Python, numpy: ~1.5 G instructions) varies by a few million
# from run to run, so N2 - N1 is 200 and the median of 3 such differences is reported (ours
# is the same in every run). Both sides write the same input pattern before every inference (ours: a loop in
# `bit-exact --invoke`; TFLite: numpy's set_tensor, plus Python's per-call overhead).
#
#   bench/arm/count_instructions.sh [MODEL]     (default ../shared/models/vww_96_int8.tflite)
#   N1=1 N2=5 REPEATS=3 PROFILE=no OUT=bench/results/arm-instructions-224.md \
#       bench/arm/count_instructions.sh .build/models/mobilenet_v1_1.0_224_int8.tflite
#                                               (MobileNet v1 1.0-224: bench/arm/make_mobilenet_224_int8.sh)
#
# The TFLite side needs the arm64 userland of bench/arm/setup_tflite_root.sh; without it, the
# table shows the figures measured the same way on this machine kind, marked "reported".
# Writes bench/results/arm-instructions.md.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
cache=${ARM_CACHE:-$(dirname "$repo")/arm-cache}
root=${ARM64_ROOT:-$cache/arm64-root}
model=$(realpath "${1:-../shared/models/vww_96_int8.tflite}")
n1=${N1:-10}
n2=${N2:-210}
repeats=${REPEATS:-3}
out=${OUT:-bench/results/arm-instructions.md}
profile=${PROFILE:-yes}
work=.build/bench-arm
mkdir -p "$work" bench/results

plugin=$work/insn_count_plugin.so
if [ ! -e "$plugin" ] || [ bench/arm/insn_count_plugin.c -nt "$plugin" ]; then
    gcc -O2 -Wall -shared -fPIC -o "$plugin" bench/arm/insn_count_plugin.c
fi

# count CPU ARGS...: executed guest instructions of one run.
count() {
    local cpu=$1
    shift
    nice -n 10 qemu-aarch64 -cpu "$cpu" -plugin "$plugin,out=$work/count.txt" "$@" > /dev/null
    awk '/^instructions/ {print $2}' "$work/count.txt"
}

# per_inference CPU COMMAND...: the command takes the inference count as its last argument;
# the median of `repeats` differences.
per_inference() {
    local cpu=$1
    shift
    local a b i
    for ((i = 0; i < repeats; i++)); do
        a=$(count "$cpu" "$@" "$n1")
        b=$(count "$cpu" "$@" "$n2")
        echo $(( (b - a) / (n2 - n1) ))
    done | sort -n | tee >(tr "\n" " " | sed "s|^|  per-inference counts: |" >&2; echo >&2) | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# A made-up /proc/cpuinfo for the emulated CPU: XNNPACK's CPU detection reads it, and under
# qemu-user it would read the host's x86 one (qemu -L ROOT finds ROOT/proc/cpuinfo first).
fake_cpuinfo() {
    local part=$1 features=$2
    mkdir -p "$root/proc"
    printf 'processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: %s\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: %s\nCPU revision\t: 0\n\n' \
        "$features" "$part" > "$root/proc/cpuinfo"
}

have_tflite=no
if [ -x "$root/usr/bin/python3.11" ] && [ -d "$root/opt/litert/ai_edge_litert" ]; then have_tflite=yes; fi

rows=()
for spec in "rpi4 cortex-a72 0xd08 3.6" "rpi5 cortex-a76 0xd0b 1.9"; do
    read -r board cpu part reported <<< "$spec"
    make --no-print-directory BOARD="$board" arm > /dev/null
    ours=$(per_inference "$cpu" ".build/boards/$board/bit-exact" --invoke "$model")
    if [ "$have_tflite" = yes ]; then
        if [ "$cpu" = cortex-a72 ]; then
            fake_cpuinfo "$part" "fp asimd evtstrm crc32 cpuid"
        else
            fake_cpuinfo "$part" "fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp"
        fi
        tflite=$(PYTHONHASHSEED=0 PYTHONPATH=/opt/litert per_inference "$cpu" -L "$root" "$root/usr/bin/python3.11" \
                 bench/arm/tflite_invoke.py "$model")
        source="measured"
    else
        tflite=$(awk -v m="$reported" 'BEGIN { printf "%d", m * 1000000 }')
        source="reported, not re-measured here"
    fi
    ratio=$(awk -v a="$ours" -v b="$tflite" 'BEGIN { printf "%.2f", a / b }')
    rows+=("| $board | $cpu | $(awk -v a="$ours" 'BEGIN { printf "%.2fM", a / 1e6 }') | $(awk -v a="$tflite" 'BEGIN { printf "%.2fM", a / 1e6 }') ($source) | $ratio |")
    echo "$board ($cpu): ours $ours, TFLite $tflite ($source), ratio $ratio" >&2
done

{
    echo "# Instructions per inference on emulated ARM CPUs (estimate)"
    echo
    echo "Model: \`$(basename "$model")\`, 1 thread, executed guest instructions per inference counted by"
    echo "qemu-aarch64 $(qemu-aarch64 --version | head -1 | awk '{print $3}') with bench/arm/insn_count_plugin.c"
    echo "(difference of $n2 and $n1 inferences, median of $repeats). Ours: the runtime built by \`make BOARD=<board> arm\`"
    echo "(Embedded Swift, \`-target-cpu\` of the board). TFLite: ai-edge-litert 2.3.0 (XNNPACK int8),"
    echo "aarch64 wheel, Python 3.11 of Debian bookworm arm64. Instruction counts are not cycles: this"
    echo "estimates relative speed; the target is a ratio ≤ 1.0 (aiming at 0.8)."
    echo
    echo "| Board | Emulated CPU | Ours | TFLite (XNNPACK) | Ours / TFLite |"
    echo "|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
    echo
    echo "Produced by \`bench/arm/count_instructions.sh\` on $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD)."
    profiled=()
    if [ "$profile" = yes ]; then profiled=("rpi4 cortex-a72" "rpi5 cortex-a76"); fi
    for spec in "${profiled[@]}"; do
        read -r board cpu <<< "$spec"
        echo
        echo "## Where ours go: $board build on an emulated $cpu (bench/arm/profile_inference.py)"
        echo
        python3 bench/arm/profile_inference.py ".build/boards/$board/bit-exact" "$model" --cpu "$cpu" --plugin "$plugin"
    done
} > "$out"
cat "$out"
