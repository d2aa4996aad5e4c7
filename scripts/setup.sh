#!/usr/bin/env bash
# Installs what building Soundcheck needs, when it is missing: the WASM target, the wasm-bindgen
# CLI at exactly the version in Cargo.lock, and the npm build tools (wasm-opt from binaryen).
# Safe to run again: it skips what is already there. Source it or run it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '\033[1;36m==>\033[0m %s\n' "$*" >&2; }

command -v cargo >/dev/null || { echo "error: cargo not found; install Rust with rustup first" >&2; exit 1; }
command -v npm >/dev/null || { echo "error: npm not found; install Node.js and npm first" >&2; exit 1; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The CLI must equal the wasm-bindgen crate in Cargo.lock, or the generated JS will not load the WASM.
WB_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
if [ -z "$WB_VERSION" ]; then
  echo "error: cannot find wasm-bindgen in Cargo.lock" >&2; exit 1
fi
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $WB_VERSION"; then
  say "installing wasm-bindgen-cli $WB_VERSION (a few minutes, once)"
  # Not --locked: the CLI's own lock file names a crate version the registry no longer has.
  cargo install wasm-bindgen-cli --version "=$WB_VERSION"
fi

if [ ! -x node_modules/.bin/wasm-opt ] || ! node_modules/.bin/wasm-opt --version 2>/dev/null | grep -q "version 132" \
  || [ ! -f node_modules/echarts/dist/echarts.min.js ]; then
  say "installing npm build tools and assets (binaryen 132 for wasm-opt, ECharts)"
  npm install --no-audit --no-fund --loglevel=error
fi
