# Sourced by the Python tool scripts (fixtures, benchmarks): `ensure_venv VENV REQUIREMENTS`
# creates the virtualenv if missing and installs the pinned requirements whenever the file
# changes (a sha256 stamp inside the venv). Python is only used around the project.
ensure_venv() {
    local venv="$1" req="$2" python="${PYTHON:-python3}"
    if [ ! -x "$venv/bin/python" ]; then
        echo "== creating virtualenv $venv"
        "$python" -m venv "$venv"
    fi
    local stamp="$venv/.requirements.sha256" want
    want="$(sha256sum "$req" | cut -d' ' -f1)"
    if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
        echo "== installing $req into $venv (large packages; this takes a few minutes)"
        "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$req"
        echo "$want" > "$stamp"
    fi
}
