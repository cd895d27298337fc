# Shared by bench/run_inference_bench.sh and bench/run_training_bench.sh: how our tool is built,
# the benchmark venv, --help, and the hand-off to the Python driver.
#
#   run_bench SCRIPT PYTHON_DRIVER HELP_LINES BUILD_REQUIRED [ARGS...]
#
# SCRIPT: the calling script's path (its header comment, lines 2..HELP_LINES, is the help);
# PYTHON_DRIVER: bench/<name>.py, run as `<driver> run --mobilenet BIN --command ... ARGS`;
# BUILD_REQUIRED: yes (a failed build stops the run) or no (the peers are timed without ours).

# The one place that says how our tool is built (add flags or an environment variable here,
# e.g. SWIFT_BUILD=(env MOBILENET_TARGET_CPU=znver3 swift build -c release)).
SWIFT_BUILD=(swift build -c release)

run_bench() {
    local script="$1" driver="$2" help_lines="$3" required="$4"
    shift 4
    local here root venv req
    here="$(cd "$(dirname "$script")" && pwd)"
    root="$(cd "$here/.." && pwd)"
    venv="${BENCH_VENV:-$root/.venv-bench}"
    req="$here/requirements.txt"
    # shellcheck source=../../scripts/lib/ensure_venv.sh
    . "$root/scripts/lib/ensure_venv.sh"

    # The command line exactly as given, for the report.
    local command_line="bench/$(basename "$script")" a
    for a in "$@"; do command_line+=" $(printf '%q' "$a")"; done

    for a in "$@"; do
        if [ "$a" = "-h" ] || [ "$a" = "--help" ]; then
            sed -n "2,${help_lines}p" "$script" | sed 's/^# \{0,1\}//'
            echo
            if [ -x "$venv/bin/python" ]; then
                exec "$venv/bin/python" "$here/$driver" run --help
            fi
            exit 0
        fi
    done

    ensure_venv "$venv" "$req"

    cd "$root"
    local ours=()
    echo "== building our tool: ${SWIFT_BUILD[*]}"
    if "${SWIFT_BUILD[@]}"; then
        local mobilenet
        mobilenet="$("${SWIFT_BUILD[@]}" --show-bin-path)/mobilenet"
        [ -x "$mobilenet" ] || { echo "error: $mobilenet was not built" >&2; exit 1; }
        ours=(--mobilenet "$mobilenet")
    elif [ "$required" = yes ]; then
        echo "error: the release build failed" >&2
        exit 1
    else
        echo "warning: the release build failed; timing the peers only" >&2
    fi

    exec "$venv/bin/python" "$here/$driver" run \
        "${ours[@]}" \
        --command "$command_line" \
        --swift-build "${SWIFT_BUILD[*]}" \
        "$@"
}
