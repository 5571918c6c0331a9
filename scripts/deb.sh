#!/usr/bin/env bash
# Builds the Debian package into target/debian/: the release binary, then the man pages and
# shell completions made from its argument definitions, then `cargo deb --no-build`.
# Installs cargo-deb (crates.io) when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-deb >/dev/null || cargo install cargo-deb --locked
cargo build --release --locked
gen=target/generated
rm -rf "$gen"
mkdir -p "$gen"
target/release/portolan manpages "$gen/man"
gzip -9n "$gen"/man/*.1
target/release/portolan completions bash > "$gen/portolan.bash"
target/release/portolan completions zsh > "$gen/_portolan"
target/release/portolan completions fish > "$gen/portolan.fish"
cargo deb --no-build --locked
ls target/debian/*.deb
