#!/usr/bin/env python3
"""Checks the hot loops of the int8 kernels in an aarch64 (or armv7) build's disassembly.

A hot loop is an innermost loop (the span from a backward branch's target to the branch) of a
kernel function (depthwise, pointwise GEMM) that multiplies vectors of 8-, 16- or 32-bit lanes
(the requantization's products: 64-bit lanes, sqrdmulh, mul, do not count), or, for the stem's im2col (whose products
are the GEMM's), that uses vector registers at all. Each must
  - multiply-accumulate with NEON (im2col: not required) (smlal/smlal2/umlal, sadalp, sdot/udot, vector mla,
    or smull into int16 lanes followed by saddw/saddw2 into int32 lanes),
  - have no overflow or bounds checks (b.vs/b.vc, smulh, a branch to a trap `brk`/`udf`),
  - have no per-lane scalar code (more than 2 lane moves between vector and general registers:
    umov/smov/ins/mov to or from a lane, single-lane ld1/st1),
a build for a board without `dotprod` must contain no sdot/udot at all (an illegal
instruction there), and a build for a board with it must multiply in its pointwise GEMM loops
with sdot (the Pi 5's kernel variant, qs8-gemm-4x16c4-neondot).

usage: asm_check.py OBJECT --features "neon crc" [--objdump llvm-objdump-19] [--loops-dir DIR]
                    [--isa-only]
With --loops-dir, each hot loop's body is written as DIR/<kernel>-<n>-<function>.s for llvm-mca.
With --isa-only, only the instruction-set check runs (no sdot/udot without dotprod).
Exit status 1 when a check fails.
"""
import argparse
import re
import subprocess
import sys
from pathlib import Path

KERNELS = {  # kernel group -> pattern on the demangled (simplified) function name
    "depthwise": re.compile(r"\b(I8Depthwise|QS8DWConv\w*)\."),
    "pointwise": re.compile(r"\b(QuantizedGEMM|QS8GEMM\w*)\.(multiply|tile)"),
    "stem-im2col": re.compile(r"\bI8Im2Col\.fill|\bQuantizedGEMMDot4\.fillIm2Col"),
}
NEEDS_MAC = {"depthwise", "pointwise"}
BRANCH = re.compile(r"^(b|b\.\w+|cbn?z|tbn?z|bl?[a-z]{0,2})$")
NEON_MAC = re.compile(r"^(s|u)mlal2?$|^(s|u)adalp$|^(s|u)dot$|^mla$|^vmlal\.|^vmla\.|^vpadal\.")
MULTIPLY = re.compile(r"mul|mla|mlal|dot|adalp|vmull|vmlal")
VECTOR_OPERAND = re.compile(r"\bv\d+\.|\bq\d+\b|\bd\d+\b")
LANE = re.compile(r"\bv\d+\.[bhsd]\[\d+\]|\bd\d+\[\d+\]")
GPR = re.compile(r"\b[wxr]\d+\b")
TRAP = {"brk", "udf", "trap"}
# The requantization's multiplies (sqrdmulh; mul by 2^left_shift) do not make a loop a kernel's
# hot loop: an epilogue inside a loop over channel blocks is not a multiply-accumulate loop.
REQUANTIZATION = {"sqrdmulh", "mul"}


def disassemble(objdump, path):
    out = subprocess.run([objdump, "-d", "--no-show-raw-insn", str(path)], check=True,
                         capture_output=True, text=True).stdout
    functions, current = [], None
    for line in out.splitlines():
        m = re.match(r"^([0-9a-f]+) <(.+)>:$", line)
        if m:
            current = {"symbol": m.group(2), "start": int(m.group(1), 16), "insns": []}
            functions.append(current)
            continue
        m = re.match(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$", line)
        if m and current is not None:
            current["insns"].append((int(m.group(1), 16), m.group(2), m.group(3).strip()))
    names = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(f["symbol"] for f in functions),
                           check=True, capture_output=True, text=True).stdout.splitlines()
    for f, name in zip(functions, names):
        f["name"] = name
    return functions


def branch_target(operands):
    m = re.search(r"(?:^|[\s,#])(?:0x)?([0-9a-f]+)(?:\s+<|$)", operands)
    return int(m.group(1), 16) if m else None


def loops(function):
    """Innermost loops as (first index, last index) into the function's instructions."""
    insns = function["insns"]
    index = {addr: i for i, (addr, _, _) in enumerate(insns)}
    spans = []
    for i, (addr, mnemonic, operands) in enumerate(insns):
        if BRANCH.match(mnemonic) and not mnemonic.startswith("bl"):
            target = branch_target(operands)
            if target is not None and target <= addr and target in index:
                spans.append((index[target], i))
    return [s for s in spans if not any(o != s and s[0] <= o[0] and o[1] <= s[1] for o in spans)]


def lane_moves(body):
    count = 0
    for _, mnemonic, operands in body:
        if mnemonic in ("umov", "smov", "ins") or mnemonic.startswith("vmov"):
            count += 1
        elif mnemonic == "mov" and LANE.search(operands) and GPR.search(operands):
            count += 1
        elif mnemonic in ("ld1", "st1", "vld1.8", "vld1.16", "vld1.32", "vst1.8", "vst1.16", "vst1.32") and LANE.search(operands):
            count += 1
    return count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("object")
    parser.add_argument("--features", default="", help="the board's BOARD_FEATURES")
    parser.add_argument("--objdump", default="llvm-objdump-19")
    parser.add_argument("--loops-dir", type=Path)
    parser.add_argument("--isa-only", action="store_true")
    args = parser.parse_args()
    features = set(args.features.split())
    functions = disassemble(args.objdump, args.object)
    failures = []

    if "dotprod" not in features:
        for f in functions:
            for addr, mnemonic, _ in f["insns"]:
                if mnemonic in ("sdot", "udot"):
                    failures.append(f"{f['name']}: {mnemonic} at {addr:#x}, but the board has no dotprod")
                    break

    counter = {}
    found = {kernel: 0 for kernel in KERNELS}
    pointwise_sdot = 0
    for f in ([] if args.isa_only else functions):
        kernel = next((k for k, p in KERNELS.items() if p.search(f["name"])), None)
        if kernel is None:
            continue
        trap_addresses = {a for a, m, _ in f["insns"] if m in TRAP}
        for first, last in loops(f):
            body = f["insns"][first:last + 1]
            vector_multiplies = [m for _, m, o in body if MULTIPLY.search(m) and VECTOR_OPERAND.search(o)
                                 and not o.split(",")[0].strip().endswith(".2d") and m not in REQUANTIZATION]
            vector_code = [m for _, m, o in body if VECTOR_OPERAND.search(o)]
            if not (vector_multiplies if kernel in NEEDS_MAC else vector_code):
                continue
            found[kernel] += 1
            counter[kernel] = counter.get(kernel, 0) + 1
            label = f"{kernel} loop {counter[kernel]} in {f['name']} at {body[0][0]:#x} ({len(body)} instructions)"
            mnemonics = [m for _, m, _ in body]
            macs = sorted({m for m in mnemonics if NEON_MAC.match(m)})
            if not macs and {"smull", "saddw"} <= set(mnemonics):
                # int8 x int8 products formed exactly in int16 lanes, then widened and added into
                # int32 lanes: the multiply-accumulate of a tap that cannot be paired in int16.
                macs = ["smull+saddw"]
            checks = [m for _, m, o in body if m in ("b.vs", "b.vc", "smulh", "vmrs")
                      or (BRANCH.match(m) and branch_target(o) in trap_addresses)]
            lanes = lane_moves(body)
            histogram = {}
            for m in mnemonics:
                histogram[m] = histogram.get(m, 0) + 1
            top = ", ".join(f"{m} {n}" for m, n in sorted(histogram.items(), key=lambda x: -x[1])[:8])
            print(f"{label}: {top}")
            if kernel == "pointwise" and "sdot" in macs:
                pointwise_sdot += 1
            if kernel in NEEDS_MAC and not macs:
                failures.append(f"{label}: no NEON multiply-accumulate (multiplies: {', '.join(sorted(set(vector_multiplies)))})")
            if checks:
                failures.append(f"{label}: overflow or bounds checks ({', '.join(sorted(set(checks)))})")
            if lanes > 2:
                failures.append(f"{label}: per-lane scalar code ({lanes} lane moves)")
            if args.loops_dir:
                args.loops_dir.mkdir(parents=True, exist_ok=True)
                text = "".join(f"\t{m}\t{o}\n" for _, m, o in body if not BRANCH.match(m))
                function = f["name"].split("(")[0].split(".")[-1].replace(" ", "_")
                (args.loops_dir / f"{kernel}-{counter[kernel]}-{function}.s").write_text(text)
    for kernel, n in found.items():
        if n == 0 and not args.isa_only:
            failures.append(f"{kernel}: no vector multiply loop found (kernel functions missing from the build?)")
    if "dotprod" in features and not args.isa_only and found["pointwise"] and not pointwise_sdot:
        failures.append("pointwise: the board has dotprod, but no GEMM loop multiplies with sdot")
    for failure in failures:
        print(f"FAIL {failure}")
    what = "instruction set" if args.isa_only else "hot loops and instruction set"
    print(f"asm-check {args.object} ({what}): {'FAILED, ' + str(len(failures)) + ' problem(s)' if failures else 'passed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
