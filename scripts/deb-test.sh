#!/usr/bin/env bash
# Checks the Debian package built by scripts/deb.sh (needs root): lintian finds no errors, it
# installs with its dependencies, `portolan --version` runs from the installed path, the
# desktop file and metainfo validate, and it removes cleanly, leaving none of its files.
set -euo pipefail
cd "$(dirname "$0")/.."
deb=$(ls -t target/debian/portolan_*.deb | head -1)
missing=()
command -v lintian >/dev/null || missing+=(lintian)
command -v desktop-file-validate >/dev/null || missing+=(desktop-file-utils)
command -v appstreamcli >/dev/null || missing+=(appstream)
[ ${#missing[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "== lintian"
lintian --fail-on error "$deb"
echo "== install"
apt-get install -y -qq "./$deb" >/dev/null
/usr/bin/portolan --version
desktop-file-validate /usr/share/applications/portolan.desktop
appstreamcli validate --no-net /usr/share/metainfo/org.portolan.Portolan.metainfo.xml
man -w portolan >/dev/null
test -s /usr/share/bash-completion/completions/portolan
echo "== remove"
apt-get remove -y -qq portolan >/dev/null
if dpkg -L portolan >/dev/null 2>&1 && [ "$(dpkg-query -W -f='${Status}' portolan)" = "install ok installed" ]; then
    echo "still installed" >&2
    exit 1
fi
test ! -e /usr/bin/portolan
echo "package installs, runs and removes cleanly"
