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

# The one place that says how our tool is built (as in run_inference_bench.sh).
SWIFT_BUILD=(swift build -c release)

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
venv="${BENCH_VENV:-$root/.venv-bench}"
req="$here/requirements.txt"
# shellcheck source=../scripts/lib/ensure_venv.sh
. "$root/scripts/lib/ensure_venv.sh"

# The command line exactly as given, for the report.
command_line="bench/run_training_bench.sh"
for a in "$@"; do command_line+=" $(printf '%q' "$a")"; done

for a in "$@"; do
    if [ "$a" = "-h" ] || [ "$a" = "--help" ]; then
        sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        echo
        if [ -x "$venv/bin/python" ]; then
            exec "$venv/bin/python" "$here/training_bench.py" run --help
        fi
        exit 0
    fi
done

ensure_venv "$venv" "$req"

cd "$root"
ours=()
echo "== building our tool: ${SWIFT_BUILD[*]}"
if "${SWIFT_BUILD[@]}"; then
    mobilenet="$("${SWIFT_BUILD[@]}" --show-bin-path)/mobilenet"
    ours=(--mobilenet "$mobilenet")
else
    echo "warning: the release build failed; timing the peers only" >&2
fi

exec "$venv/bin/python" "$here/training_bench.py" run \
    "${ours[@]}" \
    --command "$command_line" \
    --swift-build "${SWIFT_BUILD[*]}" \
    "$@"
