#!/usr/bin/env bash
# Builds the Debian package of `mobilenet watch` from an installed tree (make deb does
# `make install DESTDIR=ROOT PREFIX=/usr` first): control with the shared libraries' packages
# as dependencies, the default config as a conffile, maintainer scripts that enable and start
# the service where systemd runs (and do nothing harmful where it does not).
# Usage: make-deb.sh ROOT VERSION ARCH OUTPUT.deb
set -euo pipefail
root=$1 version=$2 arch=$3 output=$4
binary="$root/usr/lib/mobilenet/mobilenet"
[ -x "$binary" ] || { echo "make-deb: $binary is missing (run make install DESTDIR=$root PREFIX=/usr)" >&2; exit 1; }

# Depends: the package of every shared library the binary needs, as installed here; for a
# cross-built binary (another architecture), as listed in DEB_LIBRARY_PACKAGES ("soname package"
# lines of the target's runtime packages, scripts/arm/setup-swift-sdk.sh), read with OBJDUMP
# (e.g. aarch64-linux-gnu-objdump).
objdump=${OBJDUMP:-objdump}
depends=()
for library in $($objdump -p "$binary" | awk '/NEEDED/ {print $2}'); do
    if [ -n "${DEB_LIBRARY_PACKAGES:-}" ]; then
        package=$(awk -v lib="$library" '$1 == lib {print $2; exit}' "$DEB_LIBRARY_PACKAGES")
        [ -n "$package" ] || { echo "make-deb: no package in $DEB_LIBRARY_PACKAGES has $library" >&2; exit 1; }
        depends+=("$package")
        continue
    fi
    path=$(ldconfig -p | awk -v lib="$library" '$1 == lib && !found {print $NF; found = 1}')  # reads to the end: an early exit would SIGPIPE ldconfig (pipefail)
    [ -n "$path" ] || { echo "make-deb: $library not found by ldconfig" >&2; exit 1; }
    package=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -1 | cut -d: -f1) || true
    [ -n "$package" ] || package=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1) || true
    [ -n "$package" ] || { echo "make-deb: no package owns $path" >&2; exit 1; }
    depends+=("$package")
done
# The C library at least as new as the newest symbol version the binary uses.
glibc=$($objdump -T "$binary" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
depends_line=$(printf '%s\n' "${depends[@]}" | sort -u | sed "s/^libc6\$/libc6 (>= ${glibc:-0})/" \
    | paste -sd, - | sed 's/,/, /g')

mkdir -p "$root/DEBIAN"
cat > "$root/DEBIAN/control" <<CONTROL
Package: mobilenet-watch
Version: $version
Architecture: $arch
Maintainer: MobileNet for Swift <maintainers@users.noreply.github.com>
Section: video
Priority: optional
Depends: $depends_line
Installed-Size: $(du -sk "$root" --exclude=DEBIAN | cut -f1)
Description: camera classifier daemon (mobilenet watch)
 Classifies what a V4L2 camera sees with an int8 MobileNet and writes labels
 to the journal or a serial port; a hardened systemd service (Type=notify,
 watchdog, reconnects), configured in /etc/mobilenet/watch.conf.
CONTROL
echo "/etc/mobilenet/watch.conf" > "$root/DEBIAN/conffiles"

cat > "$root/DEBIAN/postinst" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = "configure" ] || [ "$1" = "abort-upgrade" ]; then
    if command -v deb-systemd-helper >/dev/null 2>&1; then
        deb-systemd-helper unmask mobilenet-watch.service >/dev/null || true
        deb-systemd-helper enable mobilenet-watch.service >/dev/null || true
    elif command -v systemctl >/dev/null 2>&1; then
        systemctl enable mobilenet-watch.service >/dev/null 2>&1 || true
    fi
    # Start (or restart after an upgrade) only where systemd is running.
    if [ -d /run/systemd/system ]; then
        systemctl --system daemon-reload >/dev/null || true
        if command -v deb-systemd-invoke >/dev/null 2>&1; then
            deb-systemd-invoke restart mobilenet-watch.service >/dev/null || true
        else
            systemctl restart mobilenet-watch.service >/dev/null 2>&1 || true
        fi
    fi
fi
exit 0
SCRIPT

cat > "$root/DEBIAN/prerm" <<'SCRIPT'
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = "remove" ]; then
    if command -v deb-systemd-invoke >/dev/null 2>&1; then
        deb-systemd-invoke stop mobilenet-watch.service >/dev/null || true
    else
        systemctl stop mobilenet-watch.service >/dev/null 2>&1 || true
    fi
fi
exit 0
SCRIPT

cat > "$root/DEBIAN/postrm" <<'SCRIPT'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null || true
fi
if [ "$1" = "remove" ] && command -v deb-systemd-helper >/dev/null 2>&1; then
    deb-systemd-helper mask mobilenet-watch.service >/dev/null || true
fi
if [ "$1" = "purge" ] && command -v deb-systemd-helper >/dev/null 2>&1; then
    deb-systemd-helper purge mobilenet-watch.service >/dev/null || true
    deb-systemd-helper unmask mobilenet-watch.service >/dev/null || true
fi
exit 0
SCRIPT
chmod 755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"

mkdir -p "$(dirname "$output")"
dpkg-deb --root-owner-group --build "$root" "$output"
