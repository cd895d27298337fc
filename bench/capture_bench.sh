#!/usr/bin/env bash
# Capture + conversion of one camera frame into the VWW model's 96×96 int8 input, against one
# inference of that model (issue 15's targets: MJPEG ≤ 10% of an inference, YUYV ≤ 1 ms).
# Frames: ../shared/golden/images/person.png made into 640×480 (and 1280×720) MJPEG and YUYV
# with ffmpeg. The capture column goes through libv4l2 and the test camera plugin when it is
# installed (make camera-plugin). Prints medians (and 90th percentiles) and the ratios, and for
# MJPEG libjpeg-turbo alone decoding the same frame at the same scale (the floor) and our share.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared
model=$shared/models/vww_96_int8.tflite
image=$shared/golden/images/person.png
for f in "$model" "$image"; do [ -f "$f" ] || { echo "missing $f" >&2; exit 1; }; done
command -v ffmpeg >/dev/null || { echo "ffmpeg missing: bash scripts/install-deps.sh" >&2; exit 1; }

swift build -c release --product mobilenet >/dev/null
swift build -c release --product CaptureBench >/dev/null
bin=$(swift build -c release --show-bin-path)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

inference_ms=$("$bin/mobilenet" bench --model "$model" --runs 300 --json |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["median_ms"])')

plugin_installed() {
    ls /usr/lib/*/libv4l/plugins/00-mobilenet-test-camera.so >/dev/null 2>&1
}

for size in 640x480 1280x720; do
    w=${size%x*} h=${size#*x}
    # -q:v 4: about what UVC webcams send (quality ~85).
    ffmpeg -nostdin -loglevel error -y -i "$image" -vf "scale=$w:$h" -frames:v 1 \
        -c:v mjpeg -pix_fmt yuvj422p -q:v 4 -f mjpeg "$work/$size.jpg"
    ffmpeg -nostdin -loglevel error -y -i "$image" -vf "scale=$w:$h" -frames:v 1 \
        -pix_fmt yuyv422 -f rawvideo "$work/$size.yuyv"
    devices=()
    if plugin_installed; then
        for format in MJPG YUYV; do
            frame=$work/$size.jpg; flag=--mjpeg-device
            [ $format = YUYV ] && frame=$work/$size.yuyv && flag=--yuyv-device
            printf 'mobilenet-test-camera\nfps 1000\nmode %s %s %s %s\nend\n' $format "$w" "$h" "$frame" > "$work/$size-$format.video"
            devices+=("$flag" "$work/$size-$format.video")
        done
    else
        echo "(test camera plugin not installed: conversion only; run make camera-plugin as root)"
    fi
    "$bin/CaptureBench" --size "$size" --mjpeg "$work/$size.jpg" --yuyv "$work/$size.yuyv" \
        --inference-ms "$inference_ms" "${devices[@]}"
    echo
done
