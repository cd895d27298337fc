#!/usr/bin/env bash
# Soak test of `mobilenet watch` (issue 16: memory that never grows): FRAMES frames (default
# 100,000) of the VWW int8 person detector on alternating person / no-person photos, every
# frame formatted as a JSON line and written out, stats every 5 s; VmRSS sampled from
# /proc/PID/status every 0.25 s. Passes when the resident set at the end is at most 64 KB above
# the one after the warm-up (the first quarter of the run), and the run exits 0.
# Usage: scripts/soak.sh [FRAMES]   (needs the release binary: make build; and ../shared)
set -euo pipefail
cd "$(dirname "$0")/.."
frames=${1:-100000}
limit_kb=64
binary=${MOBILENET_BINARY:-.build/release/mobilenet}
shared=../shared
[ -x "$binary" ] || { echo "soak: $binary is not built (make build)" >&2; exit 1; }
for f in models/vww_96_int8.tflite golden/images/person.png golden/images/no_person.png; do
    [ -e "$shared/$f" ] || { echo "soak: required test data is missing: $shared/$f" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/frames"
ln -s "$(realpath $shared/golden/images/person.png)" "$work/frames/a.png"
ln -s "$(realpath $shared/golden/images/no_person.png)" "$work/frames/b.png"
printf 'no-person\nperson\n' > "$work/labels.txt"

start=$(date +%s.%N)
"$binary" watch --source "$work/frames" --model "$shared/models/vww_96_int8.tflite" --labels "$work/labels.txt" \
    --emit every --format json --frames "$frames" --stats 5 > "$work/lines.jsonl" 2> "$work/stderr.txt" &
pid=$!
: > "$work/rss.txt"
while kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$rss" ] && echo "$(date +%s.%N) $rss" >> "$work/rss.txt"
    sleep 0.25
done
wait "$pid" && status=0 || status=$?
end=$(date +%s.%N)
lines=$(wc -l < "$work/lines.jsonl")
cat "$work/stderr.txt"
[ "$status" -eq 0 ] || { echo "soak: FAIL: exit status $status" >&2; exit 1; }
[ "$lines" -eq "$frames" ] || { echo "soak: FAIL: $lines lines for $frames frames" >&2; exit 1; }

# RSS after the warm-up (the sample at a quarter of the run) against the largest in the last quarter.
awk -v start="$start" -v end="$end" -v limit="$limit_kb" -v frames="$frames" '
    { t[NR] = $1; r[NR] = $2 }
    END {
        if (NR < 8) { print "soak: FAIL: only " NR " RSS samples (run too short)"; exit 1 }
        q = int(NR / 4); base = r[q]; last = 0; peak = 0
        for (i = 1; i <= NR; i++) { if (r[i] > peak) peak = r[i]; if (i > NR - q && r[i] > last) last = r[i] }
        growth = last - base
        printf "soak: %d frames in %.1f s (%.0f frames/s); RSS %d KB after warm-up, %d KB at the end, peak %d KB: growth %+d KB (limit %d KB), %d samples\n",
            frames, end - start, frames / (end - start), base, last, peak, growth, limit, NR
        exit !(growth <= limit)
    }' "$work/rss.txt" || { echo "soak: FAIL: resident memory grew more than ${limit_kb} KB" >&2; exit 1; }
