#!/usr/bin/env bash
# Installs the release build, desktop entry, icon, metainfo, man pages and shell completions
# under PREFIX (default ~/.local).
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX="${PREFIX:-$HOME/.local}"
cargo build --release
install -Dm755 target/release/portolan "$PREFIX/bin/portolan"
install -Dm644 packaging/portolan.desktop "$PREFIX/share/applications/portolan.desktop"
install -Dm644 assets/org.portolan.Portolan.svg "$PREFIX/share/icons/hicolor/scalable/apps/org.portolan.Portolan.svg"
install -Dm644 packaging/org.portolan.Portolan.metainfo.xml "$PREFIX/share/metainfo/org.portolan.Portolan.metainfo.xml"
# Man pages and completions are made from the argument definitions, never written by hand.
gen="$(mktemp -d)"
trap 'rm -rf "$gen"' EXIT
target/release/portolan manpages "$gen/man"
for page in "$gen"/man/*.1; do
    install -Dm644 "$page" "$PREFIX/share/man/man1/$(basename "$page")"
done
target/release/portolan completions bash > "$gen/portolan.bash"
target/release/portolan completions zsh > "$gen/_portolan"
target/release/portolan completions fish > "$gen/portolan.fish"
install -Dm644 "$gen/portolan.bash" "$PREFIX/share/bash-completion/completions/portolan"
install -Dm644 "$gen/_portolan" "$PREFIX/share/zsh/site-functions/_portolan"
install -Dm644 "$gen/portolan.fish" "$PREFIX/share/fish/vendor_completions.d/portolan.fish"
command -v update-desktop-database >/dev/null && update-desktop-database "$PREFIX/share/applications" || true
echo "installed under $PREFIX"
