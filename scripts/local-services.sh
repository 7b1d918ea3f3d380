#!/usr/bin/env bash
# Redis and PostgreSQL for local runs of the apps, on machines without systemd or Docker.
#
#   bash scripts/local-services.sh start     # start both (does nothing for one already running)
#   bash scripts/local-services.sh status    # exit 0 only when both are up
#   eval "$(bash scripts/local-services.sh env)"   # REDIS_URL and DATABASE_URL for this shell
#   bash scripts/local-services.sh stop
#
# Redis runs like production wants it (noeviction, AOF). PostgreSQL runs as the `postgres` user when
# started by root (it refuses to run as root), so its files live where that user can reach them:
# /var/tmp/connector-local/<hash of this checkout's path>/ (not the repo, which may sit under root's
# mode-700 home; other users get /var/tmp/connector-local-<uid>/). Ports: REDIS_PORT (default 6390) and PG_PORT (default 5440), away from the system
# defaults. LOCAL_SERVICES_DIR overrides the data directory.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
REDIS_PORT=${REDIS_PORT:-6390}
PG_PORT=${PG_PORT:-5440}
PG_DATABASE=connector
# One parent per user: a directory root created is not writable by the others.
DEFAULT_STATE_PARENT=/var/tmp/connector-local$([ "$(id -u)" -eq 0 ] || echo "-$(id -u)")
STATE_DIR=${LOCAL_SERVICES_DIR:-$DEFAULT_STATE_PARENT/$(printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-12)}
REDIS_DIR=$STATE_DIR/redis
PG_DIR=$STATE_DIR/postgres
PG_DATA=$PG_DIR/data

REDIS_URL=redis://127.0.0.1:$REDIS_PORT
DATABASE_URL=postgresql://postgres@127.0.0.1:$PG_PORT/$PG_DATABASE

is_root() { [ "$(id -u)" -eq 0 ]; }

pg_bin_dir() {
  if [ -n "${PG_BIN_DIR:-}" ] && [ -x "$PG_BIN_DIR/pg_ctl" ]; then
    echo "$PG_BIN_DIR"
    return
  fi
  # The newest installed major version.
  local dir
  dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/pg_ctl" ] && echo "$dir"
}

ensure_binaries() {
  local missing=()
  command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 || missing+=(redis-server)
  pg_bin_dir >/dev/null || missing+=(postgresql)
  [ ${#missing[@]} -eq 0 ] && return 0
  if is_root; then
    echo "installing ${missing[*]} from Debian" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  else
    echo "missing: ${missing[*]}. Install with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
}

# Runs a PostgreSQL tool as the user that owns the cluster.
as_pg() {
  if is_root; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# ---- Redis -----------------------------------------------------------------------------------------

redis_pid() {
  local pid
  pid=$(cat "$REDIS_DIR/redis.pid" 2>/dev/null) || return 1
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

redis_answers() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

start_redis() {
  if redis_pid >/dev/null && redis_answers; then
    echo "redis: already running on port $REDIS_PORT"
    return
  fi
  if redis_answers; then
    echo "redis: port $REDIS_PORT is taken by another Redis; set REDIS_PORT" >&2
    exit 1
  fi
  mkdir -p "$REDIS_DIR"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" \
    --maxmemory-policy noeviction --appendonly yes --appendfsync everysec \
    --dir "$REDIS_DIR" --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log"
  for _ in $(seq 1 100); do
    redis_answers && break
    sleep 0.1
  done
  if ! redis_answers; then
    echo "redis: did not start; see $REDIS_DIR/redis.log" >&2
    exit 1
  fi
  echo "redis: started on port $REDIS_PORT (data in $REDIS_DIR)"
}

stop_redis() {
  local pid
  if ! pid=$(redis_pid); then
    echo "redis: not running"
    return
  fi
  # SIGTERM: Redis flushes the AOF and exits.
  kill -TERM "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "redis: still running after 10 s (pid $pid)" >&2
    exit 1
  fi
  echo "redis: stopped"
}

# ---- PostgreSQL ------------------------------------------------------------------------------------

pg_running() {
  local bin
  bin=$(pg_bin_dir) || return 1
  [ -f "$PG_DATA/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1
}

init_pg() {
  local bin=$1
  [ -f "$PG_DATA/PG_VERSION" ] && return
  mkdir -p "$PG_DIR"
  # The postgres user must be able to traverse the directories we created, whatever the umask.
  chmod 755 "$STATE_DIR"
  case "$STATE_DIR" in "$DEFAULT_STATE_PARENT"/*) chmod 755 "$DEFAULT_STATE_PARENT" ;; esac
  if is_root; then chown postgres:postgres "$PG_DIR"; fi
  as_pg "$bin/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --locale=C >/dev/null
  echo "postgres: initialised $PG_DATA"
}

start_pg() {
  local bin
  bin=$(pg_bin_dir)
  if pg_running; then
    echo "postgres: already running on port $PG_PORT"
  else
    init_pg "$bin"
    as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/postgres.log" -w -t 30 start \
      -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" >/dev/null || {
      echo "postgres: did not start; see $PG_DIR/postgres.log" >&2
      exit 1
    }
    echo "postgres: started on port $PG_PORT (data in $PG_DATA)"
  fi
  local exists
  exists=$("$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'")
  if [ "$exists" != 1 ]; then
    "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$PG_DATABASE"
    echo "postgres: created database $PG_DATABASE"
  fi
}

stop_pg() {
  if ! pg_running; then
    echo "postgres: not running"
    return
  fi
  as_pg "$(pg_bin_dir)/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null
  echo "postgres: stopped"
}

# ---- commands --------------------------------------------------------------------------------------

status() {
  local up=0
  if redis_pid >/dev/null && redis_answers; then
    echo "redis: running on port $REDIS_PORT (pid $(redis_pid), data in $REDIS_DIR)"
  else
    echo "redis: stopped"
    up=1
  fi
  if pg_running; then
    echo "postgres: running on port $PG_PORT (data in $PG_DATA)"
  else
    echo "postgres: stopped"
    up=1
  fi
  return $up
}

case "${1:-}" in
  start)
    ensure_binaries
    start_redis
    start_pg
    ;;
  stop)
    stop_redis
    stop_pg
    ;;
  status) status ;;
  env) echo "export REDIS_URL=$REDIS_URL DATABASE_URL=$DATABASE_URL" ;;
  *)
    echo "usage: $0 start|stop|status|env" >&2
    exit 2
    ;;
esac
