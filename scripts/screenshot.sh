#!/usr/bin/env bash
# Refreshes docs/dashboard.png, the README's picture of the dashboard: the browser test of the
# dashboard's layout takes it from the demo data on a fixed day (end2end/run.sh), at 1280 × 800.
# Expects the debug binary and site that `scripts/test.sh` builds (or `cargo build -p server &&
# scripts/build-site.sh --debug --site-only`).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/end2end/run.sh" tests/dashboard.spec.ts --project desktop -g "the dashboard at desktop and phone width"
cp "$ROOT/end2end/screenshots/dashboard-top-desktop.png" "$ROOT/docs/dashboard.png"
echo "docs/dashboard.png refreshed"
