#!/usr/bin/env bash
# Whole-command timings of the vulnerability database, next to `jq empty` over the same input
# (the cost of merely parsing it):
#   1. `tekigo vulndb import` of the real Go OSV set (a folder of the Go vulnerability database's
#      OSV export, named by GO_OSV_DIR or found in TEKIGO_SHARED_DATA), fresh DB each run;
#   2. import of a synthetic 300,000-vulnerability set (OSV, NVD 2.0, KEV, EPSS), once, with
#      /usr/bin/time for wall time and peak RSS;
#   3. `tekigo sbom check` of synthetic CycloneDX SBOMs of 100, 1,000 and 10,000 components
#      against that database.
# Needs hyperfine (apt-get install hyperfine), jq and GNU time (/usr/bin/time). The hyperfine
# results go to BENCH_REPORT as markdown (default: stdout). VULNS and COMPONENTS change the scale.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in hyperfine jq /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench-vuln: $tool is missing (apt-get install hyperfine jq time)" >&2; exit 2; }
done
golang=${GO_OSV_DIR:-${TEKIGO_SHARED_DATA:-../shared/data}/osv/golang}
if [[ ! -d $golang ]]; then
  echo "bench-vuln: $golang is missing: set GO_OSV_DIR to the Go vulnerability database's OSV files" >&2
  exit 2
fi
report=${BENCH_REPORT:-/dev/stdout}
vulns=${VULNS:-300000}
components=${COMPONENTS:-10000}

cargo build --release --quiet -p tekigo -p tekigo-vuln --example synthetic
bin=$PWD/target/release/tekigo
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data=$work/data
out=$work/report.md
db=$work/db

echo "generating $vulns vulnerabilities and SBOMs up to $components components into $data" >&2
target/release/examples/synthetic --vulns "$vulns" --components "$components" --out "$data" >&2

{
  echo "## tekigo vulnerability database ($(date -u +%Y-%m-%d), $(nproc) cores)"
  echo
  echo "### Import of the Go OSV set ($(find "$golang" -name '*.json' | wc -l) files)"
  echo
} >"$out"

hyperfine --warmup 1 --runs 10 --export-markdown "$work/go.md" \
  --prepare "rm -rf $work/go-db" \
  -n "tekigo vulndb import (Go OSV)" "$bin vulndb import --db $work/go-db $golang --format json" \
  -n "jq empty (Go OSV)" "find $golang -name '*.json' -exec jq empty {} +" >&2
cat "$work/go.md" >>"$out"

echo "importing the synthetic set once" >&2
/usr/bin/time -f "%e %M" -o "$work/time" \
  "$bin" vulndb import --db "$db" "$data/osv" "$data/nvd" "$data/kev" "$data/epss" --format json >"$work/import.json"
read -r seconds rss_kb <"$work/time"
{
  echo
  echo "### Import of the synthetic set ($vulns vulnerabilities), once"
  echo
  echo "| inputs | wall time | peak RSS |"
  echo "|:---|---:|---:|"
  echo "| $(find "$data/osv" -name '*.json' | wc -l) OSV files, $(ls "$data/nvd" | wc -l) NVD feeds, KEV, EPSS | ${seconds} s | $((rss_kb / 1024)) MiB |"
  echo
  echo '```'
  "$bin" vulndb stats --db "$db"
  echo '```'
  echo
  echo "### sbom check against the synthetic database"
  echo
} >>"$out"

commands=()
for sbom in "$data"/sbom-*.json; do
  n=$(basename "$sbom" .json)
  n=${n#sbom-}
  # Exit 1 (not conformant) is the expected answer for these SBOMs: only 2 is an error.
  commands+=(-n "tekigo sbom check ($n components)"
    "$bin sbom check $sbom --level 1 --db $db --format json >/dev/null; test \$? -le 1")
  commands+=(-n "jq empty ($n components)" "jq empty $sbom")
  "$bin" sbom check "$sbom" --level 1 --db "$db" --format json >"$work/check-$n.json" || test $? -le 1
  echo "- $n components: $(jq -r '"\(.findings | length) findings (\(.counts.fail) fail, \(.counts.review) review, \(.counts.pass) pass), conformant \(.conformant)"' "$work/check-$n.json"), JSON report $(stat -c %s "$work/check-$n.json") bytes" >>"$out"
done
echo >>"$out"
hyperfine --warmup 1 --runs 10 --export-markdown "$work/check.md" "${commands[@]}" >&2
cat "$work/check.md" >>"$out"
cat "$out" >"$report"
