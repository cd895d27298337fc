#!/usr/bin/env bash
# llvm-mca's estimate of cycles per iteration of the int8 kernels' hot loops, per board CPU:
# Cortex-A53 (rpi3 build), Cortex-A72 (rpi4), Neoverse N1 (the closest llvm-mca model to the
# Pi 5's Cortex-A76; rpi5 build). The loops are those scripts/arm/asm_check.py finds in each
# board's build. Useful multiply-accumulates per iteration are counted from the loop itself (the
# lanes of its vector multiplies: smull/mla .4s = 4, .8h = 8, sdot .4s = 16; the requantization's
# 64-bit products, sqrdmulh and its mul by 2^left excluded), because LLVM unrolls differently per CPU (int8 smull/smlal .8h: 8
# products each; every one is useful).
# Prints a Markdown table (for docs/ARCHITECTURE.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
mca=${LLVM_MCA:-llvm-mca-19}

# macs FILE: multiply-accumulate lanes of one iteration of the loop in FILE.
macs() {
    awk '$1 ~ /^(s|u)(mull2?|mlal2?|dot)$|^mla$/ && $2 ~ /^v[0-9]+\./ {
             split($2, a, "."); arrangement = a[2]; sub(/,.*/, "", arrangement)
             if (arrangement == "2d") next
             lanes = arrangement + 0
             total += ($1 ~ /dot/) ? 4 * lanes : lanes
         } END { print total + 0 }' "$1"
}

echo "| Kernel loop | Cortex-A53: cycles / MACs per iteration (MACs/cycle) | Cortex-A72 | Neoverse N1 (≈ A76) |"
echo "|---|---|---|---|"
for spec in "depthwise 3x3, 1 pixel x 16 channels incl. requantization and store (QS8DWConv3x3NEONMLAL.wide, interior)|wide<A,_B,_C>|1" \
            "pointwise GEMM, 16 k: A53/A72 2 rows x 16 channels (QS8GEMM2x16c4NEONMLAL.tiles), N1 4 rows x 16 channels with sdot (QS8GEMM4x16c4NEONDOT.tiles4x16)|tiles<A,_B,_C,_D> tiles4x16<A,_B>|1"; do
    IFS='|' read -r label functions useful <<< "$spec"
    row="| $label |"
    for pair in rpi3:cortex-a53 rpi4:cortex-a72 rpi5:neoverse-n1; do
        board=${pair%%:*}
        cpu=${pair#*:}
        dir=.build/boards/$board/hot-loops
        make --no-print-directory BOARD="$board" arm > /dev/null
        rm -rf "$dir"
        python3 scripts/arm/asm_check.py ".build/boards/$board/MobileNetRuntime.o" --features "neon dotprod" \
            --loops-dir "$dir" > /dev/null || true
        # The kernel's main loop: of the function's loops (one copy per specialization, plus the
        # loops over edges and left-over k), the one with the most multiply-accumulates per
        # instruction.
        loop=$(for function in $functions; do ls "$dir"/*-"$function".s 2>/dev/null || true; done |
               while read -r file; do echo "$(macs "$file") $(wc -l < "$file") $file"; done |
               awk '$1 > 0 { print $1 / $2, $3 }' | sort -rn | head -1 | cut -d' ' -f2)
        cycles=$("$mca" -mtriple=aarch64 -mcpu="$cpu" -iterations=100 "$loop" 2>/dev/null |
                 awk '/^Total Cycles:/ {print $3 / 100}')
        work=$(awk -v m="$(macs "$loop")" -v u="$useful" 'BEGIN { print m * u }')
        row+=" $cycles / $work ($(awk -v m="$work" -v c="$cycles" 'BEGIN { printf "%.2f", m / c }')) |"
    done
    echo "$row"
done
