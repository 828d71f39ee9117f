#!/usr/bin/env bash
# Whole-command timings of a lab's ★3 evaluation of the sample camera (a fresh process each run):
# `evaluate plan`, `evaluate status`, `evaluate report` (the signed folder: JSON, OSCAL plan and
# results, HTML in both languages) and `declaration verify`. The evaluation is prepared first
# with real tool reports: `tekigo probe --level 3` of an HTTP service on loopback standing in for
# the camera's web UI, and `tekigo sbom check --level 3` of the sample's SBOM against the test
# fixtures' advisories; every other item is recorded as passed with a document as evidence.
# Needs hyperfine (apt-get install hyperfine) and python3 (the loopback web server).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p tekigo
bin=$(realpath target/release/tekigo)
sample=$(realpath examples/sample-camera)
fixtures=$(realpath crates/tekigo-vuln/tests/fixtures)
work=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

"$bin" keys generate --out lab.key >/dev/null
"$bin" keys generate --out vendor.key >/dev/null
"$bin" evaluate init ev --level 3/network-camera --product "EXC-100 network camera" \
  --vendor "Example Devices K.K." --model EXC-100 --firmware 2.4.1 --support-end 2030-03-31 \
  --contact https://example.com/security --lab "Example Security Lab K.K." \
  --lead-evaluator "Kenji Mori" --accreditation-body IAJapan --accreditation RTL-04211 >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir site && echo '<h1>EXC-100</h1>' > site/index.html
(cd site && exec python3 -m http.server --bind 127.0.0.1 "$port" >/dev/null 2>&1) &
server=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
"$bin" probe 127.0.0.1 --ports "$port" --level 3 --format json > probe.json || true
"$bin" vulndb import --db vulndb "$fixtures/nvd-firmware.json" "$fixtures/epss.csv" \
  "$fixtures/kev-subset.json" >/dev/null
"$bin" sbom check "$sample/source/camera.cdx.json" --level 3 --db vulndb --format json > check.json || true
"$bin" evaluate record ev --probe probe.json --sbom-check check.json \
  --sbom "$sample/source/camera.cdx.json" >/dev/null

echo "Design documents examined." > documents.md
echo "Firmware analysed: no hard-coded credentials." > binary-analysis.txt
"$bin" evaluate status ev --format json > status.json || true
python3 - "$bin" > record.sh <<'EOF'
import json, shlex, sys
status = json.load(open("status.json"))
probe = next(e["id"] for e in status["evidence"] if e["kind"] == "probe")
for requirement in status["requirements"]:
    for item in requirement["items"]:
        if item["answer"] != "pending":
            continue
        evidence = {
            "device": f"--cite {probe}",
            "binary-analysis": "--binary-analysis binary-analysis.txt",
        }.get(item["method"], "--evidence documents.md")
        target = shlex.quote(f"{requirement['id']}/{item['id']}")
        print(f"{shlex.quote(sys.argv[1])} evaluate record ev --for {target} --result pass {evidence} >/dev/null")
EOF
echo "items recorded: $(wc -l < record.sh)"
bash record.sh
"$bin" evaluate status ev >/dev/null
"$bin" evaluate report ev --lab-key lab.key --out signed >/dev/null
"$bin" declaration countersign signed --key vendor.key >/dev/null

# A signed report is never overwritten: each run starts without the previous one's folder.
hyperfine --warmup 3 --runs 30 --prepare 'rm -rf report' --export-markdown "${BENCH_REPORT:-/dev/stdout}" \
  "$bin evaluate plan ev --out plan.json" \
  "$bin evaluate status ev" \
  "$bin evaluate report ev --lab-key lab.key --out report" \
  "$bin declaration verify signed/declaration.json --pubkey vendor.key.pub"
