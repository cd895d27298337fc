#!/usr/bin/env bash
# The checks `make test` runs on the service and its packaging:
#  - systemd-analyze verify --man=no on the installed unit: fails on ANY output (it returns 0
#    on misspelt settings);
#  - systemd-analyze security --offline=yes: overall exposure at most 2.0;
#  - make install DESTDIR=... : binary, embedded model, config, unit in place, binary runs;
#  - make deb: dpkg-deb -c lists them, dpkg-deb -I shows the conffile and the maintainer scripts.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v systemd-analyze >/dev/null || { echo "check-watch: systemd-analyze missing (make deps installs systemd)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "check-watch: FAIL: $*" >&2; exit 1; }

# Install into a scratch root, as a package would (PREFIX=/usr).
make --no-print-directory install DESTDIR="$work/root" PREFIX=/usr >/dev/null
for f in usr/lib/mobilenet/mobilenet usr/lib/mobilenet/MobileNet_MobileNetCLI.resources/cifar10-mobilenet-a050.safetensors \
         usr/lib/mobilenet/MobileNet_MobileNetCLI.resources/cifar10-mobilenet-a050-int8.tflite \
         usr/bin/mobilenet etc/mobilenet/watch.conf lib/systemd/system/mobilenet-watch.service; do
    [ -e "$work/root/$f" ] || fail "make install did not install /$f"
done
"$work/root/usr/bin/mobilenet" watch --help >/dev/null || fail "the installed binary does not run"
echo "check-watch: make install DESTDIR: binary, embedded model, config and unit in place"

# verify: the unit as installed, with ExecStart pointing at the binary in the scratch root.
mkdir -p "$work/unit"
sed "s|^ExecStart=/usr/bin/mobilenet|ExecStart=$work/root/usr/bin/mobilenet|" \
    "$work/root/lib/systemd/system/mobilenet-watch.service" > "$work/unit/mobilenet-watch.service"
output=$(systemd-analyze verify --man=no "$work/unit/mobilenet-watch.service" 2>&1) || fail "systemd-analyze verify failed: $output"
[ -z "$output" ] || fail "systemd-analyze verify printed: $output"
echo "check-watch: systemd-analyze verify: no output"

security=$(systemd-analyze security --offline=yes "$work/unit/mobilenet-watch.service" 2>&1) || true
exposure=$(printf '%s\n' "$security" | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
[ -n "$exposure" ] || fail "no exposure in systemd-analyze security output: $security"
awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' || fail "exposure $exposure > 2.0"
echo "check-watch: systemd-analyze security --offline=yes: exposure $exposure (<= 2.0)"

# The Debian package.
make --no-print-directory deb >/dev/null
deb=$(ls -t build/mobilenet-watch_*_"$(dpkg --print-architecture)".deb | head -1)
contents=$(dpkg-deb -c "$deb")
for f in ./usr/lib/mobilenet/mobilenet ./usr/bin/mobilenet ./etc/mobilenet/watch.conf ./lib/systemd/system/mobilenet-watch.service \
         ./usr/lib/mobilenet/MobileNet_MobileNetCLI.resources/cifar10-mobilenet-a050.safetensors \
         ./usr/lib/mobilenet/MobileNet_MobileNetCLI.resources/cifar10-mobilenet-a050-int8.tflite; do
    printf '%s\n' "$contents" | grep -q " $f\( ->.*\)\?$" || fail "$deb lacks $f"
done
info=$(dpkg-deb -I "$deb")
for field in "Package: mobilenet-watch" "Architecture: $(dpkg --print-architecture)" "Depends: " " conffiles" " postinst" " prerm" " postrm"; do
    printf '%s\n' "$info" | grep -q "$field" || fail "dpkg-deb -I $deb lacks '$field'"
done
[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" = "/etc/mobilenet/watch.conf" ] || fail "conffiles is not /etc/mobilenet/watch.conf"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./postinst | grep -q "deb-systemd-helper enable mobilenet-watch.service" || fail "postinst does not enable the service"
echo "check-watch: $deb: $(printf '%s\n' "$contents" | wc -l) entries, conffile and maintainer scripts in place"
