#!/usr/bin/env bash
# Whole-command timings of the criteria commands (a fresh process each run, so catalog loading
# and validation are included). Needs hyperfine (apt-get install hyperfine).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/tekigo
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
hyperfine --warmup 3 --runs 30 --export-markdown "${BENCH_REPORT:-/dev/stdout}" \
  "$bin criteria list --scheme jc-star --level 1 --format json" \
  "$bin criteria gap --have sg-cls:2 --want jc-star:1 --format json" \
  "$bin criteria show S1.1-04" \
  "$bin criteria export --format oscal --out $out"
