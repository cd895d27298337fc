#!/usr/bin/env python3
"""Run .tflite files in TFLite's own interpreter (LiteRT) and compare them.

Checks that a model written by this project loads and runs in TFLite, and, with --reference,
that it computes exactly what another model (e.g. the file it was re-serialized from) computes.
Every model runs with the default op resolver (XNNPACK for float) and with TFLite's reference
kernels (BUILTIN_REF), on an input .npy or on deterministic random inputs.

    python3 scripts/dev/check_tflite_roundtrip.py written.tflite --reference original.tflite
    python3 scripts/dev/check_tflite_roundtrip.py model.tflite --input image.npy --save out.npz

Exit status 1 when --reference is given and an output differs (bit for bit).
The pinned interpreter (scripts/dev/requirements-litert.txt) is installed into .venv-litert/ at
the repository root on first use (through scripts/lib/ensure_venv.sh), and the script re-runs
itself there.
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
VENV = os.path.join(ROOT, ".venv-litert")


def ensure_venv():
    """Re-executes the running script (sys.argv[0]) with the pinned virtualenv's Python unless already in it."""
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    requirements = os.path.join(HERE, "requirements-litert.txt")
    subprocess.run(
        ["bash", "-c", '. "$1/scripts/lib/ensure_venv.sh" && ensure_venv "$2" "$3"', "ensure_venv",
         ROOT, VENV, requirements],
        check=True, stdout=sys.stderr)
    python = os.path.join(VENV, "bin", "python")
    os.execv(python, [python, os.path.abspath(sys.argv[0])] + sys.argv[1:])


def random_input(detail, rng):
    """A deterministic random tensor for an input: [0, 1) floats or the full integer range."""
    shape = [int(d) for d in detail["shape"]]
    dtype = detail["dtype"]
    import numpy as np
    if np.issubdtype(dtype, np.floating):
        return rng.random(shape, dtype=np.float64).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, int(info.max) + 1, size=shape, dtype=np.int64).astype(dtype)


def run(path, resolver, inputs):
    """The outputs (a list per input set) of the model at `path` with `resolver`."""
    from ai_edge_litert.interpreter import Interpreter
    interpreter = Interpreter(model_path=path, experimental_op_resolver_type=resolver)
    interpreter.allocate_tensors()
    input_details = interpreter.get_input_details()
    results = []
    for values in inputs:
        for detail, value in zip(input_details, values):
            interpreter.set_tensor(detail["index"], value)
        interpreter.invoke()
        results.append([interpreter.get_tensor(d["index"]).copy() for d in interpreter.get_output_details()])
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="the .tflite file to run")
    parser.add_argument("--reference", help="a .tflite file whose outputs must be identical")
    parser.add_argument("--input", help="an .npy file for the (single) input; default: random inputs")
    parser.add_argument("--count", type=int, default=4, help="random inputs to run (default 4)")
    parser.add_argument("--seed", type=int, default=0, help="random input seed (default 0)")
    parser.add_argument("--save", help="save the model's outputs (default resolver) to this .npz")
    args = parser.parse_args()
    ensure_venv()

    import numpy as np
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    details = Interpreter(model_path=args.model).get_input_details()
    for d in details:
        print(f"input {d['name']}: {d['dtype'].__name__} {[int(n) for n in d['shape']]} "
              f"quantization {d['quantization']}")
    if args.input:
        inputs = [[np.load(args.input).astype(details[0]["dtype"])]]
    else:
        rng = np.random.default_rng(args.seed)
        inputs = [[random_input(d, rng) for d in details] for _ in range(args.count)]

    identical = True
    for resolver in (OpResolverType.AUTO, OpResolverType.BUILTIN_REF):
        outputs = run(args.model, resolver, inputs)
        for i, result in enumerate(outputs):
            print(f"{resolver.name} input {i}: " + "; ".join(np.array2string(o.ravel()[:8], precision=6) for o in result))
        if args.save and resolver == OpResolverType.AUTO:
            np.savez(args.save, **{f"input{i}_output{j}": o for i, r in enumerate(outputs) for j, o in enumerate(r)})
            print(f"saved {args.save}")
        if args.reference:
            expected = run(args.reference, resolver, inputs)
            pairs = [(a, b) for r, e in zip(outputs, expected) for a, b in zip(r, e)]
            same = all(a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes() for a, b in pairs)
            largest = max(float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) for a, b in pairs)
            print(f"{resolver.name}: {len(pairs)} outputs vs {os.path.basename(args.reference)}: "
                  f"{'bit-identical' if same else 'DIFFERENT'} (max |difference| {largest})")
            identical = identical and same
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
