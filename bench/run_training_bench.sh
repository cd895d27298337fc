#!/usr/bin/env bash
# MobileNet v1 training throughput: our `mobilenet train-bench` against TensorFlow (Keras)
# and PyTorch, batch 128, 2 threads, α=1.0 at 32x32 and α=0.5 at 64x64.
#
#   bench/run_training_bench.sh             # 5 warm-up + 20 timed steps per engine and config
#   bench/run_training_bench.sh --quick     # smoke check: 2 warm-up + 10 timed steps
#   bench/run_training_bench.sh --steps 50  # more timed steps
#
# Run from anywhere. It uses the benchmark venv .venv-bench/ (git-ignored; created if
# missing, re-installed when bench/requirements.txt changes: the same pins as the inference
# benchmark, tensorflow-cpu and torch among them), builds our tool in release, then runs
# bench/training_bench.py, which prints the table and writes
# bench/results/training-<date>.md. If the build fails, or the tool has no `train-bench`
# yet, the peers are still timed and ours shows as "not available".
# Other options (passed to training_bench.py): --warmup N, --configs KEY..., --engines
# NAME..., --out FILE (see --help).
set -euo pipefail

# shellcheck source=lib/run_bench.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/run_bench.sh"
run_bench "${BASH_SOURCE[0]}" training_bench.py 16 no "$@"
