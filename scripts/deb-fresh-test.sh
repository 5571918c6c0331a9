#!/usr/bin/env bash
# Installs the Debian package built by scripts/deb.sh on a fresh Debian (a minimal bookworm
# made by debootstrap in a scratch folder, entered with chroot; needs root): apt pulls in its
# dependencies, `portolan --version` runs from /usr/bin, the man pages and completions are in
# place, and removing it leaves none of its files.
set -euo pipefail
cd "$(dirname "$0")/.."
deb=$(ls -t target/debian/portolan_*.deb | head -1)
command -v debootstrap >/dev/null || apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
root=$(mktemp -d /tmp/portolan-fresh.XXXXXX)
trap 'umount "$root/proc" 2>/dev/null || true; rm -rf "$root"' EXIT
echo "== a fresh Debian in $root"
debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
mount -t proc proc "$root/proc"
cp "$deb" "$root/tmp/portolan.deb"
in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
in_root apt-get update -qq
echo "== install"
in_root apt-get install -y -qq /tmp/portolan.deb >/dev/null
in_root /usr/bin/portolan --version
in_root test -s /usr/share/man/man1/portolan.1.gz
in_root test -s /usr/share/bash-completion/completions/portolan
in_root test -s /usr/share/applications/portolan.desktop
in_root /usr/bin/portolan url gopher://example.org/1/ --json >/dev/null
echo "== remove"
in_root apt-get remove -y -qq portolan >/dev/null
in_root test ! -e /usr/bin/portolan
in_root test ! -e /usr/share/applications/portolan.desktop
echo "the package installs on a fresh Debian, runs, and removes cleanly"
