#!/usr/bin/env bash
# llvm-mca's estimate of cycles per iteration of the int8 kernels' hot loops, per board CPU:
# Cortex-A53 (rpi3 build), Cortex-A72 (rpi4), Neoverse N1 (the closest llvm-mca model to the
# Pi 5's Cortex-A76; rpi5 build). The loops are those scripts/arm/asm_check.py finds in each
# board's build; the useful multiply-accumulates per iteration are the kernels' own:
#   depthwise 3x3 (interior4x3x3Wide): 4 pixels x 16 channels x 2 taps = 128 per iteration
#     (the fifth of five iterations pairs tap 8 with a zero weight: 115.2 useful on average);
#   pointwise GEMM 6x16 tile (QuantizedGEMM.multiply): 6 rows x 16 channels x 2 k = 192;
#   12x8 tile (narrow layers and the stem of alpha 0.25, tile12x8): 12 x 8 x 2 = 192.
# Prints a Markdown table (for docs/ARCHITECTURE.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
mca=${LLVM_MCA:-llvm-mca-19}

echo "| Kernel loop | Useful MACs / iteration | Cortex-A53: cycles (MACs/cycle) | Cortex-A72 | Neoverse N1 (≈ A76) |"
echo "|---|---|---|---|---|"
for spec in "depthwise 3x3 (4 pixels x 16 channels)|interior4x3x3Wide|115.2" \
            "pointwise GEMM, 6x16 tile|multiply|192" \
            "GEMM 12x8 tile (stem, narrow layers)|tile12x8|192"; do
    IFS='|' read -r label function macs <<< "$spec"
    row="| $label | $macs |"
    for pair in rpi3:cortex-a53 rpi4:cortex-a72 rpi5:neoverse-n1; do
        board=${pair%%:*}
        cpu=${pair#*:}
        dir=.build/boards/$board/hot-loops
        make --no-print-directory BOARD="$board" arm > /dev/null
        rm -rf "$dir"
        python3 scripts/arm/asm_check.py ".build/boards/$board/MobileNetRuntime.o" --features "neon dotprod" \
            --loops-dir "$dir" > /dev/null || true
        loop=$(ls "$dir"/*-"$function".s | head -1)
        cycles=$("$mca" -mtriple=aarch64 -mcpu="$cpu" -iterations=100 "$loop" 2>/dev/null |
                 awk '/^Total Cycles:/ {print $3 / 100}')
        row+=" $cycles ($(awk -v m="$macs" -v c="$cycles" 'BEGIN { printf "%.2f", m / c }')) |"
    done
    echo "$row"
done
