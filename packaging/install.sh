#!/usr/bin/env bash
# Installs the release build, desktop entry, icon and metainfo under PREFIX (default ~/.local).
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX="${PREFIX:-$HOME/.local}"
cargo build --release
install -Dm755 target/release/portolan "$PREFIX/bin/portolan"
install -Dm644 packaging/portolan.desktop "$PREFIX/share/applications/portolan.desktop"
install -Dm644 assets/org.portolan.Portolan.svg "$PREFIX/share/icons/hicolor/scalable/apps/org.portolan.Portolan.svg"
install -Dm644 packaging/org.portolan.Portolan.metainfo.xml "$PREFIX/share/metainfo/org.portolan.Portolan.metainfo.xml"
command -v update-desktop-database >/dev/null && update-desktop-database "$PREFIX/share/applications" || true
echo "installed under $PREFIX"
