#!/usr/bin/env bash
# README command 2: set up what is missing (Debian's Chromium included) and run every test:
# formatting and lints, unit and integration tests, a smoke run of every benchmark, the WASM
# dependency rule, and the browser tests (Playwright on /usr/bin/chromium).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf '\033[1;36m==>\033[0m %s\n' "$*" >&2; }

"$ROOT/scripts/setup.sh"

if [ ! -x /usr/bin/chromium ]; then
  say "installing Debian's Chromium for the browser tests"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
fi
if [ ! -d end2end/node_modules/@playwright/test ] || [ ! -d end2end/node_modules/@axe-core/playwright ]; then
  say "installing Playwright (no browser download: it uses Debian's Chromium)"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error)
fi

HOST_CRATES=(-p server -p engine -p model -p app)

say "formatting"
cargo fmt --all -- --check

say "lints (server side, then the WASM side)"
cargo clippy "${HOST_CRATES[@]}" --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

say "the WASM bundle must not contain server-only crates"
if cargo tree -p frontend --target wasm32-unknown-unknown -e normal --prefix none \
  | grep -E '^(sqlx|sqlx-core|tokio|reqwest|engine) ' ; then
  echo "error: the frontend pulls in a server-only crate (above)" >&2
  exit 1
fi

say "unit and integration tests"
cargo test "${HOST_CRATES[@]}"

# Each benchmark (engine/benches, server/benches) on a small size, built with the test profile so
# it reuses the build above: it must complete and load what it generates; its times are not
# checked. The same package set as above keeps the features, hence the build, the same.
say "benchmarks, smoke run (small sizes)"
SOUNDCHECK_BENCH_SMOKE=1 cargo test "${HOST_CRATES[@]}" --bench '*'

say "building the site for the browser tests"
"$ROOT/scripts/build-site.sh" --debug --site-only

say "browser tests"
"$ROOT/end2end/run.sh"
say "all tests passed"
