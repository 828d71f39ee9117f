#!/usr/bin/env bash
# Rebuilds the sample assessment in this folder from source/ with the tekigo CLI, the way a vendor
# would: init, answers with evidence, a probe of the device, an SBOM check, import.
#
# The "device" is a stand-in: Python's http.server on a free loopback port plays the camera's
# web UI, so the probe report shows what the probe sees of such a service (its target reads
# 127.0.0.1). Run it against your real device instead: tekigo probe ADDRESS --format json.
#
#   examples/sample-camera/rebuild.sh        (uses `cargo run --release`)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tekigo() { (cd "$repo" && cargo run -q --release -- "$@"); }

work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

tekigo assess init "$work/a" --scheme jc-star --level 1 \
  --product "EXC-100 network camera" --product-type network-camera \
  --vendor "Example Devices K.K." --vendor-address "1-2-3 Example-cho, Chiyoda-ku, Tokyo" --model EXC-100 --firmware 2.4.1 \
  --support-end 2030-03-31 --contact https://example.com/security \
  --declarant "Hanako Sato" --role "Product security manager"
tekigo assess answer "$work/a" --answers "$here/source/answers.toml"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/site" && echo '<h1>EXC-100</h1>' > "$work/site/index.html"
(cd "$work/site" && exec python3 -m http.server --bind 127.0.0.1 "$port" >/dev/null 2>&1) &
server=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
tekigo probe 127.0.0.1 --ports "$port" --format json > "$work/probe.json"

tekigo vulndb import --db "$work/vulndb" \
  "$repo/crates/tekigo-vuln/tests/fixtures/nvd-firmware.json" \
  "$repo/crates/tekigo-vuln/tests/fixtures/epss.csv" \
  "$repo/crates/tekigo-vuln/tests/fixtures/kev-subset.json"
tekigo sbom check "$here/source/camera.cdx.json" --level 1 --db "$work/vulndb" --format json > "$work/sbom-check.json"
tekigo assess import "$work/a" --probe "$work/probe.json" --sbom-check "$work/sbom-check.json" \
  --sbom "$here/source/camera.cdx.json"

rm -rf "$here/assessment.toml" "$here/answers.toml" "$here/evidence.toml" "$here/evidence" \
  "$here/checklist.en.md" "$here/checklist.ja.md"
cp -r "$work/a/." "$here/"
tekigo assess status "$here"
