#!/usr/bin/env bash
# Side-by-side MobileNet v1 inference benchmark: our `mobilenet` against
# TFLite (XNNPACK), ONNX Runtime, OpenVINO and PyTorch eager, on the same model.
#
#   bench/run_inference_bench.sh            # full run (60 timed runs per engine and config)
#   bench/run_inference_bench.sh --quick    # smoke check (6 runs), a few minutes
#   bench/run_inference_bench.sh --runs 150 # more runs
#   bench/run_inference_bench.sh --int8     # int8: ours vs TFLite (XNNPACK) int8 on the
#                                           # same fully quantized .tflite, after a gate
#                                           # requiring bit-exactness with TFLite's
#                                           # reference kernels (inference-int8-DATE.md)
#
# Run from anywhere; it works in the repository root. It creates .venv-bench/
# (git-ignored) if missing, (re)installs bench/requirements.txt when that file
# changed, builds our tool in release, then runs bench/inference_bench.py, which
# prints the table and writes bench/results/inference-<date>.md.
# Other options (passed to inference_bench.py): --warmup N, --rounds N,
# --wait-idle SECONDS, --configs KEY..., --out FILE (see --help).
set -euo pipefail

# shellcheck source=lib/run_bench.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/run_bench.sh"
run_bench "${BASH_SOURCE[0]}" inference_bench.py 18 yes "$@"
