#!/usr/bin/env bash
# Runs the whole system locally, on a Debian machine that has only Node and npm to begin with:
# Redis + PostgreSQL (scripts/local-services.sh), the migrations, the sandbox with its demo tenant,
# a demo connection to it, and every app that exists. Ctrl-C stops the apps (the two servers keep
# running; `bash scripts/local-services.sh stop` stops them).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd -P)
. scripts/toolchain.sh
ensure_debian_packages
ensure_toolchain
pnpm install --frozen-lockfile

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
export LIFEPOS_API_URL=http://127.0.0.1:4001
# The sandbox's RetailCRM accounts listen on local ports; production allows only the SaaS domains.
export RETAILCRM_ALLOWED_HOSTS='127.0.0.1:*'
export PUBLIC_URL=http://127.0.0.1:3001
# Locally the ingress and the webhook worker have ports of their own (in production one proxy serves both).
export TRIGGER_URL=http://127.0.0.1:3000/retailCRM/update
export CONSOLE_PUBLIC_URL=http://127.0.0.1:3002
export CONSOLE_USER=${CONSOLE_USER:-admin} CONSOLE_PASSWORD=${CONSOLE_PASSWORD:-local-demo-password}

pnpm db:migrate

pids=()
stop_all() {
  trap - INT TERM EXIT
  [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop_all INT TERM EXIT

# name, port: started from source with tsx; logs in .local/logs/<name>.log
start_app() {
  local name=$1 port=$2
  [ -f "apps/$name/src/main.ts" ] || return 0
  (cd "apps/$name" && PORT=$port exec node --import tsx --conditions=source src/main.ts) \
    >"$STATE/logs/$name.log" 2>&1 &
  pids+=($!)
  started+=("$name  http://127.0.0.1:$port  (log: .local/logs/$name.log)")
}
started=()

DEMO_FILE=$STATE/demo.json
rm -f "$DEMO_FILE"
(cd apps/sandbox && PORT=4000 LIFEPOS_PORT=4001 RETAILCRM_DEMO_PORT=4002 SANDBOX_SEED=demo \
  SANDBOX_INGRESS_URL=http://127.0.0.1:3000/retailCRM/update SANDBOX_DEMO_FILE=$DEMO_FILE \
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

for _ in $(seq 1 150); do curl -fs http://127.0.0.1:3002/readyz >/dev/null 2>&1 && break; sleep 0.2; done
node scripts/demo-connection.mjs "$DEMO_FILE" http://127.0.0.1:3002

cat <<MSG

The connector runs locally with a demo tenant.
  Sandbox page (RetailCRM + LIFE POS side by side): http://127.0.0.1:4000/
  Console (login $CONSOLE_USER / $CONSOLE_PASSWORD):  http://127.0.0.1:3002/
  LIFE POS API (simulated):                          $LIFEPOS_API_URL
  Demo credentials:                                  $DEMO_FILE
Apps:
$(printf '  %s\n' "${started[@]}")
On the sandbox page, move a demo order into «Передано в комплектацию»: its sale appears on the LIFE POS side.
Ctrl-C stops everything (Redis and PostgreSQL keep running: bash scripts/local-services.sh stop).
MSG
wait -n "${pids[@]}" || true
echo "a process stopped; see .local/logs/ — stopping the rest" >&2
