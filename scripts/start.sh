#!/usr/bin/env bash
# Runs the whole system locally, on a Debian machine that has only Node and npm to begin with:
# Redis + PostgreSQL (scripts/local-services.sh), the migrations, the sandbox with its demo tenant,
# a demo connection to it, and every app that exists. Ctrl-C stops the apps (the two servers keep
# running; `bash scripts/local-services.sh stop` stops them).
#
# LOCAL_PORT_OFFSET (default 0) shifts every app port (ingress 3000, webhook-worker 3001, console 3002,
# workers 3101-3105, sandbox 4000-4002), so a second copy can run beside the first (the start smoke test
# does); REDIS_PORT, PG_PORT and LOCAL_SERVICES_DIR move the servers (scripts/local-services.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd -P)
. scripts/toolchain.sh
ensure_debian_packages
ensure_toolchain
pnpm install --frozen-lockfile
# The apps run from source and import the Prisma client generated from prisma/schema.prisma; it is not in
# git, and `pnpm install` does not rerun after a `git pull` that changed only the schema.
pnpm db:generate

bash scripts/local-services.sh start
eval "$(bash scripts/local-services.sh env)"

STATE=$ROOT/.local
mkdir -p "$STATE/logs"
# One key for the local database's secrets, kept between runs (losing it makes stored secrets unreadable).
[ -s "$STATE/secrets-key" ] || (umask 077 && openssl rand -base64 32 >"$STATE/secrets-key")

export DATABASE_URL REDIS_URL
export SECRETS_KEY=$(cat "$STATE/secrets-key")
export NODE_ENV=development LOG_LEVEL=${LOG_LEVEL:-info}
export QUEUE_PREFIX='{connector}'
OFFSET=${LOCAL_PORT_OFFSET:-0}
port() { echo $(($1 + OFFSET)); }
url() { echo "http://127.0.0.1:$(port "$1")"; }
export LIFEPOS_API_URL=$(url 4001)
# The sandbox's RetailCRM accounts listen on local ports; production allows only the SaaS domains.
export RETAILCRM_ALLOWED_HOSTS='127.0.0.1:*'
export PUBLIC_URL=$(url 3001)
# Locally the ingress and the webhook worker have ports of their own (in production one proxy serves both).
export TRIGGER_URL=$(url 3000)/retailCRM/update
export CONSOLE_PUBLIC_URL=$(url 3002)
export CONSOLE_USER=${CONSOLE_USER:-admin} CONSOLE_PASSWORD=${CONSOLE_PASSWORD:-local-demo-password}

pnpm db:migrate

pids=()
stop_all() {
  trap - INT TERM EXIT
  [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap 'stop_all; exit 0' INT TERM
trap stop_all EXIT

# name, port: started from source with tsx; logs in .local/logs/<name>.log
start_app() {
  local name=$1 port
  port=$(port "$2")
  [ -f "apps/$name/src/main.ts" ] || return 0
  (cd "apps/$name" && PORT=$port exec node --import tsx --conditions=source src/main.ts) \
    >"$STATE/logs/$name.log" 2>&1 &
  pids+=($!)
  apps+=("$name $port")
  started+=("$name  http://127.0.0.1:$port  (log: .local/logs/$name.log)")
}
apps=()
started=()

# Waits until every started app answers /readyz; names the first one that does not (or died).
wait_ready() {
  local name port
  for app in "${apps[@]}"; do
    read -r name port <<<"$app"
    for _ in $(seq 1 300); do
      curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && continue 2
      sleep 0.2
    done
    echo "$name is not ready after 60 s; see .local/logs/$name.log" >&2
    tail -n 20 "$STATE/logs/$name.log" >&2 || true
    exit 1
  done
}

DEMO_FILE=$STATE/demo.json
rm -f "$DEMO_FILE"
(cd apps/sandbox && PORT=$(port 4000) LIFEPOS_PORT=$(port 4001) RETAILCRM_DEMO_PORT=$(port 4002) SANDBOX_SEED=demo \
  SANDBOX_INGRESS_URL=$TRIGGER_URL SANDBOX_DEMO_FILE=$DEMO_FILE \
  exec node --import tsx --conditions=source src/main.ts) >"$STATE/logs/sandbox.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 150); do [ -s "$DEMO_FILE" ] && break; sleep 0.2; done
[ -s "$DEMO_FILE" ] || { echo "the sandbox did not start; see .local/logs/sandbox.log" >&2; exit 1; }

start_app ingress 3000
start_app webhook-worker 3001
start_app console 3002
start_app export-worker 3101
start_app cancel-worker 3102
start_app refund-worker 3103
start_app sync-worker 3104
start_app reconcile-worker 3105

wait_ready
node scripts/demo-connection.mjs "$DEMO_FILE" "$CONSOLE_PUBLIC_URL"

cat <<MSG

The connector runs locally with a demo tenant.
  Sandbox page (RetailCRM + LIFE POS side by side): $(url 4000)/
  Console (login $CONSOLE_USER / $CONSOLE_PASSWORD):  $CONSOLE_PUBLIC_URL/
  LIFE POS API (simulated):                          $LIFEPOS_API_URL
  Demo credentials:                                  $DEMO_FILE
Apps:
$(printf '  %s\n' "${started[@]}")
On the sandbox page, move a demo order into «Передано в комплектацию»: its sale appears on the LIFE POS side.
Ctrl-C stops everything (Redis and PostgreSQL keep running: bash scripts/local-services.sh stop).
MSG
wait -n "${pids[@]}" || true
echo "a process stopped; see .local/logs/ — stopping the rest" >&2
exit 1
