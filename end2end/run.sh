#!/usr/bin/env bash
# Starts a Soundcheck server on a fresh data directory and a free port, creates an admin and a
# viewer with random passwords, imports the demo data for a fixed day (so the dashboard's dates
# are known to the tests), runs the Playwright tests against it, and stops it.
# Expects a built binary and site (scripts/build-site.sh). Extra arguments go to Playwright.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="${SOUNDCHECK_BIN:-$TARGET/debug/soundcheck}"
[ -x "$BIN" ] || { echo "error: $BIN not found; run scripts/build-site.sh --debug first" >&2; exit 1; }

DATA="$(mktemp -d)"
SERVER="" MOCK=""
cleanup() {
  [ -n "$MOCK" ] && kill "$MOCK" 2>/dev/null || true
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  if [ "${KEEP_E2E_DATA:-}" = "" ]; then rm -rf "$DATA"; else echo "data kept in $DATA" >&2; fi
}
trap cleanup EXIT
PORT="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
random_password() { head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20; }
export E2E_ADMIN_USER=e2e-admin E2E_VIEWER_USER=e2e-viewer
E2E_ADMIN_PASSWORD="$(random_password)"; E2E_VIEWER_PASSWORD="$(random_password)"
export E2E_ADMIN_PASSWORD E2E_VIEWER_PASSWORD
printf '%s\n' "$E2E_ADMIN_PASSWORD" | "$BIN" --data-dir "$DATA" user add "$E2E_ADMIN_USER" --role admin >/dev/null
printf '%s\n' "$E2E_VIEWER_PASSWORD" | "$BIN" --data-dir "$DATA" user add "$E2E_VIEWER_USER" --role viewer >/dev/null

# The platforms' APIs, played by a local mock; tokens are sealed with a key made for this run.
MOCK_OUT="$DATA/mock-apis.out"
node "$ROOT/end2end/mock-apis.mjs" >"$MOCK_OUT" 2>&1 &
MOCK=$!
for _ in $(seq 1 50); do [ -s "$MOCK_OUT" ] && break; sleep 0.1; done
MOCK_PORT="$(head -n 1 "$MOCK_OUT")"
[ -n "$MOCK_PORT" ] || { echo "error: the API mock did not start" >&2; cat "$MOCK_OUT" >&2; exit 1; }
MOCK_URL="http://127.0.0.1:$MOCK_PORT"
cat >"$DATA/soundcheck.toml" <<TOML
[api]
mailchimp = "$MOCK_URL/mailchimp/3.0"
google_authorize = "$MOCK_URL/google/auth"
google_token = "$MOCK_URL/google/token"
youtube_analytics = "$MOCK_URL/youtube"
youtube_data = "$MOCK_URL/youtube"
TOML
SOUNDCHECK_SECRET_KEY="$(random_password)$(random_password)"
export SOUNDCHECK_SECRET_KEY E2E_MOCK_URL="$MOCK_URL"

export SOUNDCHECK_TODAY=2026-11-26
"$BIN" --data-dir "$DATA" demo >"$DATA/demo.log" 2>&1 || { cat "$DATA/demo.log" >&2; exit 1; }

export E2E_BASE_URL="http://127.0.0.1:$PORT" E2E_DATA_DIR="$DATA" E2E_SOUNDCHECK_BIN="$BIN"
export SOUNDCHECK_SITE_DIR="${SOUNDCHECK_SITE_DIR:-$TARGET/debug/site}"
SOUNDCHECK_LISTEN="127.0.0.1:$PORT" \
  RUST_LOG="${RUST_LOG:-warn}" "$BIN" --data-dir "$DATA" serve >"$DATA/server.log" 2>&1 &
SERVER=$!

cd "$ROOT/end2end"
if ! npx playwright test "$@"; then
  echo "---- server log ----" >&2
  tail -n 50 "$DATA/server.log" >&2
  exit 1
fi
