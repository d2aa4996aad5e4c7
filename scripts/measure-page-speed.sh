#!/usr/bin/env bash
# Measures the dashboard's page speed on the release build: starts `soundcheck serve` on loopback
# with the demo data and runs end2end/measure-page-speed.mjs (first visit and repeat visits).
# Expects `scripts/build-site.sh --release` to have run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET/release/soundcheck"
[ -x "$BIN" ] || { echo "error: $BIN not found; run scripts/build-site.sh --release first" >&2; exit 1; }
DATA="$(mktemp -d)"
PORT="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
printf 'measure-password\n' | "$BIN" --data-dir "$DATA" user add measure --role admin >/dev/null
SOUNDCHECK_TODAY=2026-11-26 "$BIN" --data-dir "$DATA" demo >/dev/null 2>&1
SOUNDCHECK_TODAY=2026-11-26 SOUNDCHECK_LISTEN="127.0.0.1:$PORT" SOUNDCHECK_SITE_DIR="$TARGET/site" RUST_LOG=warn \
  "$BIN" --data-dir "$DATA" serve >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
cd "$ROOT/end2end"
node measure-page-speed.mjs "http://127.0.0.1:$PORT" measure measure-password
