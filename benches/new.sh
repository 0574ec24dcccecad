#!/usr/bin/env bash
# Benchmark `do-wizard new --answers …` as a whole process (start, read the
# answers, recommend, render every template, write atomically, exit), once per
# example answers file. Prints figures; asserts nothing about time.
#
#   benches/new.sh [RUNS]      (default 200 runs per example)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200}
cargo build --release --quiet
bin=target/release/do-wizard
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '%-30s %8s %8s %8s %8s %6s\n' example mean_ms p50_ms p95_ms min_ms files
for example in examples/*.json; do
  name=$(basename "$example" .json)
  times=()
  for ((i = 0; i < runs; i++)); do
    out="$work/$name-$i"
    start=$(date +%s%N)
    "$bin" new --answers "$example" "$out" >/dev/null
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000 )))
    [ "$i" -eq 0 ] && files=$(find "$out" -type f | wc -l)
    rm -rf "$out"
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v name="$name" -v files="$files" '
    { t[NR] = $1; sum += $1 }
    END {
      printf "%-30s %8.2f %8.2f %8.2f %8.2f %6d\n", name, sum / NR / 1000,
        t[int(NR * 0.5) + 1] / 1000, t[int(NR * 0.95)] / 1000, t[1] / 1000, files
    }'
done
