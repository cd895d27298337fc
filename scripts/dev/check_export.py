#!/usr/bin/env python3
"""Export a model with our CLI, run it in TFLite's interpreter (LiteRT) and in our engine, compare.

    python3 scripts/dev/check_export.py --mobilenet .build/release/mobilenet \
        --model Sources/MobileNetCLI/Resources/cifar10-mobilenet-a050.safetensors \
        --calibration .data/cifar10/train --images 500 --workdir /tmp/export-check

Writes float.tflite (`mobilenet export`) and int8.tflite (`mobilenet quantize`) to --workdir,
makes --count deterministic random inputs (standard normal, the scale of normalised pixels),
and runs both files in LiteRT (default resolver and the reference kernels, BUILTIN_REF) and in
`mobilenet run`. Prints, per file and resolver, the largest output difference; int8 outputs are
compared bit for bit. Exit status 1 when the float outputs differ by more than --tolerance or
the int8 outputs differ from the reference kernels' at all.
Uses the pinned interpreter of scripts/dev/requirements-litert.txt (.venv-litert/).
"""
import argparse
import json
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from check_tflite_roundtrip import ensure_venv, run  # noqa: E402


def write_safetensors(path, name, array):
    """A safetensors file holding one F32 tensor."""
    data = array.astype("<f4").tobytes()
    header = json.dumps({name: {"dtype": "F32", "shape": list(array.shape), "data_offsets": [0, len(data)]}}).encode()
    header += b" " * (-len(header) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + data)


def read_safetensors(path, name):
    """One tensor of a safetensors file as a numpy array."""
    import numpy as np
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        body = f.read()
    entry = header[name]
    dtype = {"F32": "<f4", "I8": "i1"}[entry["dtype"]]
    start, end = entry["data_offsets"]
    return np.frombuffer(body[start:end], dtype=dtype).reshape(entry["shape"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mobilenet", required=True, help="our CLI binary (release build)")
    parser.add_argument("--model", required=True, help="float model to export (our .safetensors)")
    parser.add_argument("--calibration", required=True, help="calibration image folder")
    parser.add_argument("--images", type=int, default=500, help="calibration images (default 500)")
    parser.add_argument("--workdir", required=True, help="folder for the files written")
    parser.add_argument("--count", type=int, default=16, help="random inputs (default 16)")
    parser.add_argument("--tolerance", type=float, default=1e-4, help="float tolerance (default 1e-4)")
    args = parser.parse_args()
    ensure_venv()
    import numpy as np
    from ai_edge_litert.interpreter import OpResolverType

    os.makedirs(args.workdir, exist_ok=True)
    paths = {kind: os.path.join(args.workdir, f"{kind}.tflite") for kind in ("float", "int8")}
    subprocess.run([args.mobilenet, "export", "--model", args.model, "--out", paths["float"]], check=True)
    subprocess.run([args.mobilenet, "quantize", "--model", args.model, "--calibration", args.calibration,
                    "--images", str(args.images), "--out", paths["int8"]], check=True)

    ok = True
    for kind, path in paths.items():
        from ai_edge_litert.interpreter import Interpreter
        shape = [int(d) for d in Interpreter(model_path=path).get_input_details()[0]["shape"]]
        rng = np.random.default_rng(0)
        batch = rng.standard_normal([args.count] + shape[1:]).astype(np.float32)
        input_path = os.path.join(args.workdir, f"{kind}-input.safetensors")
        output_path = os.path.join(args.workdir, f"{kind}-ours.safetensors")
        write_safetensors(input_path, "input", batch)
        subprocess.run([args.mobilenet, "run", "--model", path, "--input", input_path, "--output", output_path],
                       check=True, stdout=subprocess.DEVNULL)
        ours = read_safetensors(output_path, "output")
        for resolver in (OpResolverType.AUTO, OpResolverType.BUILTIN_REF):
            theirs = np.concatenate([r[0] for r in run(path, resolver, [[batch[i:i + 1]] for i in range(args.count)])])
            difference = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
            agree = float(np.mean(np.argmax(ours, axis=1) == np.argmax(theirs, axis=1)))
            if kind == "float":
                verdict = "ok" if difference.max() <= args.tolerance else "DIFFERENT"
                ok = ok and difference.max() <= args.tolerance
            else:
                exact = ours.tobytes() == theirs.astype(np.float32).tobytes()
                verdict = "bit-identical" if exact else f"{int(np.count_nonzero(difference))} values differ"
                if resolver == OpResolverType.BUILTIN_REF:
                    ok = ok and exact
            print(f"{kind} {resolver.name}: {args.count} images, max |ours - TFLite| {difference.max():.3g}, "
                  f"top-1 agreement {agree:.0%}: {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
