#!/usr/bin/env bash
# README command 1: set up a fresh Debian machine, build Soundcheck (release), create the first
# admin with a random password (printed once), import demo data for every source, and serve it
# on http://127.0.0.1:3000.
# Environment: SOUNDCHECK_DATA_DIR (default ./data), SOUNDCHECK_LISTEN (default 127.0.0.1:3000);
# SOUNDCHECK_BIN, a binary already built, skips the set-up and the build (the first-run browser
# test runs this script that way, with the debug build).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf '\033[1;36m==>\033[0m %s\n' "$*" >&2; }

TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
if [ -n "${SOUNDCHECK_BIN:-}" ]; then
  BIN="$SOUNDCHECK_BIN"
else
  "$ROOT/scripts/setup.sh"
  "$ROOT/scripts/build-site.sh" --release
  BIN="$TARGET/release/soundcheck"
fi
export SOUNDCHECK_DATA_DIR="${SOUNDCHECK_DATA_DIR:-$ROOT/data}"
mkdir -p "$SOUNDCHECK_DATA_DIR"

# The first admin: a random password, shown once and stored only as an argon2id hash.
PASSWORD="$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)"
if ERR="$(printf '%s\n' "$PASSWORD" | "$BIN" user add admin --role admin 2>&1 >/dev/null)"; then
  printf '\n  First admin created — this password is shown only now:\n\n'
  printf '    user:     admin\n    password: %s\n\n' "$PASSWORD"
elif printf '%s' "$ERR" | grep -q "already exists"; then
  say "the admin user already exists (its password was printed on the first run)"
else
  printf '%s\n' "$ERR" >&2
  exit 1
fi

say "importing demo data (a year of every source for two artists, ending today)"
"$BIN" demo

say "serving Soundcheck on http://${SOUNDCHECK_LISTEN:-127.0.0.1:3000} (Ctrl-C stops it)"
exec "$BIN" serve
