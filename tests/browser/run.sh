#!/usr/bin/env bash
# Browser tests of the web app: the system chromium driven by playwright-core,
# against the debug server on a free port with a fresh SQLite database.
# Usage: tests/browser/run.sh [test files…]   (screenshots go to target/screenshots/)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$HERE"

# The browser comes from Debian (a downloaded browser build is not reachable here);
# Noto gives the Vietnamese glyphs.
if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends chromium fonts-noto-core
fi

if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
# The citizen app's sign-in provider (tests/oidc) has packages of its own. They
# are installed again only when its lock changed: the Rust tests start the same
# provider, perhaps at this moment, and npm ci would pull its packages away.
(
  cd "$ROOT/tests/oidc"
  if [ ! -f package-lock.json ]; then npm install --no-audit --no-fund
  elif [ ! node_modules/.package-lock.json -nt package-lock.json ]; then npm ci --no-audit --no-fund; fi
)

BIN="$ROOT/target/debug/crane"
if [ ! -x "$BIN" ]; then (cd "$ROOT" && cargo build); fi

TMP="$(mktemp -d /tmp/crane-browser.XXXXXX)"
# The run uses its own copy of the binary: a rebuild meanwhile neither removes
# nor changes it (account.test.mjs starts a second server from it).
cp "$BIN" "$TMP/crane"
BIN="$TMP/crane"
export CRANE_BIN="$BIN"
# Three free ports at once (so they differ): the server's, the SMS sink's and the sign-in provider's.
read -r PORT SINK_PORT OIDC_PORT < <(node -e 'const n=require("net");const s=[0,1,2].map(()=>n.createServer());let k=0;for(const x of s)x.listen(0,"127.0.0.1",()=>{if(++k<3)return;console.log(s.map((y)=>y.address().port).join(" "));s.forEach((y)=>y.close())})')
export DATABASE_URL="sqlite://$TMP/crane.db?mode=rwc"
export CRANE_BIND="127.0.0.1:$PORT"
export CRANE_DEMO_ON_EMPTY_DB=false
export CRANE_LIMITS__REGISTRATIONS_PER_IP_PER_MINUTE=1000
export CRANE_LOG_FORMAT=json
export CRANE_URL="http://127.0.0.1:$PORT"
export CRANE_SCREENSHOTS="$ROOT/target/screenshots"
export CRANE_TEST_PASSWORD="trình-duyệt-$RANDOM$RANDOM"
export CRANE_TEST_ADMIN_PHONE=0900000902
export CRANE_TEST_ORGANISER_PHONE=0900000901
# Codes go by SMS through a real HTTP gateway on loopback (sms-sink.mjs), which
# the tests read; the per-client hourly cap on codes would stop a whole run.
SMS_TOKEN="$(node -e 'console.log(require("crypto").randomBytes(16).toString("hex"))')"
export CRANE_SMS__PROVIDER=http
export CRANE_SMS__URL="http://127.0.0.1:$SINK_PORT/sms"
export CRANE_SMS__TOKEN="$SMS_TOKEN"
export CRANE_SMS_SINK="http://127.0.0.1:$SINK_PORT"
export CRANE_LIMITS__OTP_PER_IP_PER_HOUR=1000
# Sign-in through the province's citizen app: a real OpenID Connect provider on
# loopback (tests/oidc/provider.mjs), which the tests also tell whose claims are whose.
OIDC_SECRET="$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')"
export CRANE_PUBLIC_URL="$CRANE_URL"
export CRANE_AUTH__OIDC__ISSUER="http://127.0.0.1:$OIDC_PORT"
export CRANE_AUTH__OIDC__CLIENT_ID=crane-web
export CRANE_AUTH__OIDC__CLIENT_SECRET="$OIDC_SECRET"
export CRANE_AUTH__OIDC__DISPLAY_NAME="Công dân số Đồng Tháp"
export CRANE_OIDC_PROVIDER="$CRANE_AUTH__OIDC__ISSUER"

SERVER_PID=""
SINK_PID=""
OIDC_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ -n "$SINK_PID" ]; then kill "$SINK_PID" 2>/dev/null || true; wait "$SINK_PID" 2>/dev/null || true; fi
  if [ -n "$OIDC_PID" ]; then kill "$OIDC_PID" 2>/dev/null || true; wait "$OIDC_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

SMS_SINK_TOKEN="$SMS_TOKEN" node "$HERE/sms-sink.mjs" "$SINK_PORT" >"$TMP/sms-sink.log" 2>&1 &
SINK_PID=$!
for _ in $(seq 1 50); do
  if curl -fsS "$CRANE_SMS_SINK/messages?to=none" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SINK_PID" 2>/dev/null; then echo "the SMS sink did not start:"; cat "$TMP/sms-sink.log"; exit 1; fi
  sleep 0.1
done

node "$ROOT/tests/oidc/provider.mjs" --port "$OIDC_PORT" --client-id crane-web --client-secret "$OIDC_SECRET" \
  --redirect-uri "$CRANE_URL/api/v1/auth/oidc/callback" >"$TMP/oidc.log" 2>&1 &
OIDC_PID=$!
for _ in $(seq 1 100); do
  if grep -q '^ready ' "$TMP/oidc.log"; then break; fi
  if ! kill -0 "$OIDC_PID" 2>/dev/null; then echo "the sign-in provider did not start:"; cat "$TMP/oidc.log"; exit 1; fi
  sleep 0.1
done
if ! grep -q '^ready ' "$TMP/oidc.log"; then echo "the sign-in provider did not get ready:"; cat "$TMP/oidc.log"; exit 1; fi

CRANE_ADMIN_PASSWORD="$CRANE_TEST_PASSWORD" "$BIN" admin create --phone "$CRANE_TEST_ADMIN_PHONE" \
  --name "Quản Trị Viên" --role admin --province "Đồng Tháp" --commune "Mỹ Trà" >/dev/null
CRANE_ADMIN_PASSWORD="$CRANE_TEST_PASSWORD" "$BIN" admin create --phone "$CRANE_TEST_ORGANISER_PHONE" \
  --name "Ban Tổ Chức" --role organiser --province "Đồng Tháp" --commune "Mỹ Trà" >/dev/null

"$BIN" serve >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  if curl -fsS "$CRANE_URL/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then echo "the server did not start:"; cat "$TMP/server.log"; exit 1; fi
  sleep 0.2
done

mkdir -p "$CRANE_SCREENSHOTS"
status=0
if [ "$#" -gt 0 ]; then FILES=("$@"); else FILES=(*.test.mjs); fi
# One file at a time: the machine has two cores and each file runs a browser.
node --test --test-concurrency=1 "${FILES[@]}" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- last server log lines ---"
  grep -E '"level":"(ERROR|WARN)"' "$TMP/server.log" | tail -n 15 | cut -c1-400
fi
exit "$status"
