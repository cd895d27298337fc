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

# The one place that says how our tool is built (add flags or an environment
# variable here, e.g. SWIFT_BUILD=(env MOBILENET_TARGET_CPU=znver3 swift build -c release)).
SWIFT_BUILD=(swift build -c release)

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
venv="${BENCH_VENV:-$root/.venv-bench}"
req="$here/requirements.txt"
# shellcheck source=../scripts/lib/ensure_venv.sh
. "$root/scripts/lib/ensure_venv.sh"

# The command line exactly as given, for the report.
command_line="bench/run_inference_bench.sh"
for a in "$@"; do command_line+=" $(printf '%q' "$a")"; done

for a in "$@"; do
    if [ "$a" = "-h" ] || [ "$a" = "--help" ]; then
        sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        echo
        if [ -x "$venv/bin/python" ]; then
            exec "$venv/bin/python" "$here/inference_bench.py" run --help
        fi
        exit 0
    fi
done

ensure_venv "$venv" "$req"

cd "$root"
echo "== building our tool: ${SWIFT_BUILD[*]}"
"${SWIFT_BUILD[@]}"
bin_dir="$("${SWIFT_BUILD[@]}" --show-bin-path)"
mobilenet="$bin_dir/mobilenet"
[ -x "$mobilenet" ] || { echo "error: $mobilenet was not built" >&2; exit 1; }

exec "$venv/bin/python" "$here/inference_bench.py" run \
    --mobilenet "$mobilenet" \
    --command "$command_line" \
    --swift-build "${SWIFT_BUILD[*]}" \
    "$@"
