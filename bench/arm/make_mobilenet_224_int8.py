#!/usr/bin/env python3
"""Writes the int8 MobileNet v1 1.0-224 of the x86 int8 benchmark (bench/inference_bench.py
--int8: the same seeded Keras model, random weights with calibrated BN statistics, 1000 classes,
converted by the TFLite converter with its representative dataset; int8 input and output) to
one .tflite file, for counting instructions per inference on the emulated boards
(bench/arm/count_instructions.sh). Deterministic (fixed seeds). Tooling only.

usage: make_mobilenet_224_int8.py OUT.tflite     (through make_mobilenet_224_int8.sh)
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import inference_bench as ib  # noqa: E402


def main():
    out = Path(sys.argv[1])
    alpha, res = 1.0, 224
    seed = ib.MODELS[(alpha, res)]
    model, _ = ib.build_keras_model(alpha, res, seed)
    tfl = ib.int8_tflite_bytes(model, res)  # the benchmark's conversion, same calibration data
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(tfl)
    print(f"{out}: {len(tfl) / 1e6:.1f} MB (MobileNet v1 1.0-224 int8, seed {seed})")


if __name__ == "__main__":
    main()
