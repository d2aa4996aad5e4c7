#!/usr/bin/env bash
# Builds Soundcheck without cargo-leptos: the WASM bundle (size-optimised), the site folder and
# the `soundcheck` server binary.
#   scripts/build-site.sh [--release|--debug] [--site-only]   (default --release)
# --debug skips wasm-opt and builds a debug server; --site-only builds no server (the tests use the
# binary `cargo test` built, which has the dev-dependencies' features: building it again without
# them would recompile part of the tree).
# Output: the site (WASM, JS, CSS, public/ assets) in $TARGET/site (--release) or $TARGET/debug/site
# (--debug), and $TARGET/{release,debug}/soundcheck, where $TARGET is $CARGO_TARGET_DIR or ./target.
# Each binary finds its own site (`site/` next to it, else `../site`): the tests' debug site never
# replaces the release site that `scripts/demo.sh` built and may still be serving.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

MODE=--release
SERVER=yes
for arg in "$@"; do
  case "$arg" in
    --release|--debug) MODE="$arg" ;;
    --site-only) SERVER=no ;;
    *) echo "usage: $0 [--release|--debug] [--site-only]" >&2; exit 2 ;;
  esac
done
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
if [ "$MODE" = --debug ]; then SITE="$TARGET/debug/site"; else SITE="$TARGET/site"; fi
NAME=soundcheck
say() { printf '\033[1;36m==>\033[0m %s\n' "$*" >&2; }

say "building the WASM bundle (frontend, profile wasm-release)"
cargo build -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release
WASM="$TARGET/wasm32-unknown-unknown/wasm-release/frontend.wasm"

STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
wasm-bindgen --target web --no-typescript --out-dir "$STAGE" --out-name "$NAME" "$WASM"
# Leptos preloads `<name>.wasm` (LEPTOS_OUTPUT_NAME is set in .cargo/config.toml).
mv "$STAGE/${NAME}_bg.wasm" "$STAGE/$NAME.wasm"
if [ "$MODE" = "--release" ]; then
  say "optimising the WASM with wasm-opt (binaryen from npm)"
  "$ROOT/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    -o "$STAGE/$NAME.opt.wasm" "$STAGE/$NAME.wasm"
  mv "$STAGE/$NAME.opt.wasm" "$STAGE/$NAME.wasm"
fi
cp style/main.css "$STAGE/$NAME.css"

# Replace the site atomically enough for a running server: build aside, then swap.
rm -rf "$SITE.new"
mkdir -p "$SITE.new/pkg"
cp -R public/. "$SITE.new/"
cp "$STAGE/$NAME.js" "$STAGE/$NAME.wasm" "$STAGE/$NAME.css" "$SITE.new/pkg/"
# ECharts (npm, pinned in package.json) draws the dashboard's charts; charming drives it from WASM.
# The "common" build has every chart type and component the dashboard uses (line, bar, tooltip,
# legend, data zoom) at 240 KB gzipped instead of the full build's 368 KB.
cp "$ROOT/node_modules/echarts/dist/echarts.common.min.js" "$SITE.new/pkg/echarts.min.js"
[ -d "$STAGE/snippets" ] && cp -R "$STAGE/snippets" "$SITE.new/pkg/"
# Content-hashed names, so browsers may keep these files for a year without asking again: a new
# build has new names. hash.txt tells the server (and Leptos' hydration script) the names.
: > "$SITE.new/hash.txt"
for entry in js:soundcheck.js wasm:soundcheck.wasm css:soundcheck.css echarts:echarts.min.js; do
  key="${entry%%:*}" file="${entry#*:}"
  hash="$(sha256sum "$SITE.new/pkg/$file" | cut -c1-16)"
  hashed="${file%%.*}.$hash.${file#*.}"
  mv "$SITE.new/pkg/$file" "$SITE.new/pkg/$hashed"
  echo "$key: $hash" >> "$SITE.new/hash.txt"
  case "$key" in css) CSS_FILE="$hashed" ;; wasm) WASM_FILE="$hashed" ;; esac
done
# The service worker's cache name follows the build: a new build replaces the cached app shell.
BUILD_ID="$(cat "$SITE.new/hash.txt" "$SITE.new/manifest.webmanifest" | sha256sum | cut -c1-12)"
PKG_FILES="$(cd "$SITE.new/pkg" && ls -1 soundcheck.*.js soundcheck.*.wasm soundcheck.*.css echarts.*.js \
  | sed 's|^|"/pkg/|; s|$|",|' | tr -d '\n')"
sed -e "s/__BUILD__/$BUILD_ID/" -e "s|'__PKG_FILES__',|$PKG_FILES|" -e "s|/pkg/soundcheck.css|/pkg/$CSS_FILE|" \
  public/sw.js > "$SITE.new/sw.js"
# Compressed once, at the highest levels, instead of on every request (brotli 11 saves a quarter of
# the WASM's gzip size); the server sends these to browsers that accept them.
if [ "$MODE" = "--release" ]; then
  say "pre-compressing the bundle (brotli 11, gzip 9)"
  node -e '
    const zlib = require("zlib"), fs = require("fs");
    for (const f of process.argv.slice(1)) {
      const data = fs.readFileSync(f);
      fs.writeFileSync(f + ".br", zlib.brotliCompressSync(data, { params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
      fs.writeFileSync(f + ".gz", zlib.gzipSync(data, { level: 9 }));
    }' "$SITE.new/pkg/"*.wasm "$SITE.new/pkg/"*.js "$SITE.new/pkg/"*.css
fi
rm -rf "$SITE"
mv "$SITE.new" "$SITE"
say "site ready in $SITE ($(du -h "$SITE/pkg/$WASM_FILE" | cut -f1) WASM)"

if [ "$SERVER" = no ]; then
  exit 0
elif [ "$MODE" = "--release" ]; then
  say "building the server (release)"
  cargo build -p server --release
else
  say "building the server (debug)"
  cargo build -p server
fi
