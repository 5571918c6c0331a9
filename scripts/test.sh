#!/usr/bin/env bash
# The README's test command: installs and starts the real test servers, runs every test
# against them (a test whose server is unreachable fails), then stops the servers.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ]; then
    scripts/test-servers.sh install
else
    sudo scripts/test-servers.sh install
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
trap '$SUDO scripts/test-servers.sh stop' EXIT
$SUDO scripts/test-servers.sh start
eval "$(scripts/test-servers.sh env | sed 's/^/export /')"

if cargo nextest --version >/dev/null 2>&1; then
    # The crate has no doctests, so nextest runs everything there is.
    cargo nextest run --no-fail-fast "$@"
else
    cargo test --no-fail-fast "$@"
fi
