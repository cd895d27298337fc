#!/usr/bin/env python3
"""Where the instructions of one inference go, per function, on an emulated board CPU.

Runs `BINARY --invoke MODEL N` (a board build's bit-exact program) under qemu-user with the
counting plugin's per-address profile, for N = N1 and N2; the difference divided by N2 - N1 is
one inference (start-up cancels out). Addresses are mapped to the program's symbols (the plugin
reports the entry point, from which the load address of the static-PIE program follows) and
demangled; prints the functions by instructions per inference with their commonest mnemonics.

usage: profile_inference.py BINARY MODEL --cpu cortex-a72 --plugin insn_count_plugin.so [--top 15]
"""
import argparse
import bisect
import collections
import os
import subprocess
import tempfile


def run(args, n, work):
    out, profile = os.path.join(work, f"out{n}.txt"), os.path.join(work, f"profile{n}.txt")
    subprocess.run(["nice", "-n", "10", args.qemu, "-cpu", args.cpu, "-plugin", f"{args.plugin},out={out},profile={profile}",
                    args.binary, "--invoke", args.model, str(n)], check=True, stdout=subprocess.DEVNULL)
    entry = int(next(line.split()[1] for line in open(out) if line.startswith("entry")), 16)
    counts, mnemonics = collections.Counter(), {}
    for line in open(profile):
        address, count, mnemonic = line.split()
        counts[int(address, 16)] += int(count)
        mnemonics[int(address, 16)] = mnemonic
    return entry, counts, mnemonics


def symbols(binary, nm):
    rows = []
    for line in subprocess.run([nm, "-n", "--defined-only", binary], check=True, capture_output=True, text=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwW":
            rows.append((int(parts[0], 16), parts[2]))
    names = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(n for _, n in rows),
                           check=True, capture_output=True, text=True).stdout.splitlines()
    return [a for a, _ in rows], names


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("model")
    parser.add_argument("--cpu", required=True)
    parser.add_argument("--plugin", required=True)
    parser.add_argument("--qemu", default="qemu-aarch64")
    parser.add_argument("--nm", default="llvm-nm-19")
    parser.add_argument("--n1", type=int, default=1)
    parser.add_argument("--n2", type=int, default=3)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    entry_offset = int(subprocess.run(["readelf", "-h", args.binary], check=True, capture_output=True, text=True)
                       .stdout.split("Entry point address:")[1].split()[0], 16)
    with tempfile.TemporaryDirectory() as work:
        entry, first, mnemonics = run(args, args.n1, work)
        _, second, more = run(args, args.n2, work)
    mnemonics.update(more)
    base = entry - entry_offset
    addresses, names = symbols(args.binary, args.nm)
    per_function = collections.Counter()
    per_mnemonic = collections.defaultdict(collections.Counter)
    runs = args.n2 - args.n1
    for address in second:
        executed = (second[address] - first.get(address, 0)) / runs
        if executed <= 0:
            continue
        i = bisect.bisect_right(addresses, address - base) - 1
        name = names[i] if i >= 0 else "?"
        per_function[name] += executed
        per_mnemonic[name][mnemonics[address]] += executed
    total = sum(per_function.values())
    print(f"{args.binary} on {args.cpu}: {total / 1e6:.2f}M instructions per inference of {os.path.basename(args.model)}")
    print("| Function | Instructions / inference | Share | Commonest |")
    print("|---|---|---|---|")
    for name, executed in per_function.most_common(args.top):
        common = ", ".join(f"{m} {c / executed:.0%}" for m, c in per_mnemonic[name].most_common(5))
        print(f"| {name[:90]} | {executed / 1e6:.3f}M | {executed / total:.1%} | {common} |")


if __name__ == "__main__":
    main()
