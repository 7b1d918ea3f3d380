#!/usr/bin/env bash
# Runs every check and test of the project on this machine, installing what is missing
# (Node 24 + pnpm from the npm registry; redis-server, postgresql and chromium from Debian when root).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/toolchain.sh
NEED_CHROMIUM=${NEED_CHROMIUM:-1} ensure_debian_packages
ensure_toolchain
pnpm install --frozen-lockfile
pnpm test
