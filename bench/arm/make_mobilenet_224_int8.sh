#!/usr/bin/env bash
# The int8 MobileNet v1 1.0-224 of the x86 int8 benchmark as one .tflite (4.3 MB, not committed),
# made with the pinned TensorFlow of scripts/fixtures (.venv-fixtures, git-ignored), for
#   bench/arm/count_instructions.sh .build/models/mobilenet_v1_1.0_224_int8.tflite
#
#   bench/arm/make_mobilenet_224_int8.sh [OUT]   (default .build/models/mobilenet_v1_1.0_224_int8.tflite)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${FIXTURES_VENV:-$root/.venv-fixtures}"
# shellcheck source=../../scripts/lib/ensure_venv.sh
. "$root/scripts/lib/ensure_venv.sh"
ensure_venv "$venv" "$root/scripts/fixtures/requirements.txt"
cd "$root"
exec "$venv/bin/python" "$here/make_mobilenet_224_int8.py" "${1:-.build/models/mobilenet_v1_1.0_224_int8.tflite}"
