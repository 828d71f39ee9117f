#!/usr/bin/env bash
# Fuzzes every reader of outside data (fuzz/fuzz_targets/, cargo-fuzz on nightly Rust) for
# SECONDS each, one target after the other, and prints the executions and crashes per target.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 seconds, every target)
#
# Corpora start from the repository's fixtures (copied into fuzz/corpus/TARGET, which is not
# committed, and grow from run to run); a crash is written to fuzz/artifacts/TARGET/ and
# replayed with `cd fuzz && cargo +nightly fuzz run -s none TARGET artifacts/TARGET/crash-…`.
# The code is safe Rust, so no sanitizer is built in (`-s none`): a panic, a stack overflow, a
# timeout (10 s) or 2 GiB of memory for one input is the finding. Exit 1 when a target crashed.
# TEKIGO_FUZZ_BUILD=dev builds the targets without optimisation: far quicker to build, slower to
# run, which suits a few seconds per target (CI); the default optimised build suits long runs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

seconds=${1:-60}
shift || true
case "$seconds" in '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;; esac

cargo +nightly --version >/dev/null 2>&1 || { echo "fuzzing needs nightly Rust: rustup toolchain install nightly" >&2; exit 2; }
command -v cargo-fuzz >/dev/null || { echo "fuzzing needs cargo-fuzz: cargo install cargo-fuzz --locked" >&2; exit 2; }
command -v python3 >/dev/null || { echo "seeding the corpora needs python3" >&2; exit 2; }

cd fuzz
if [ "$#" -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo +nightly fuzz list); fi

# Seeds: the fixtures each reader is tested with, files of at most 64 KiB (the inputs' limit
# here), and a few made-up answers where the repository has no fixture of that kind.
python3 - "$root" "${targets[@]}" <<'PY'
import glob, io, os, sys, zipfile
root, targets = sys.argv[1], sys.argv[2:]
def files(*patterns):
    out = []
    for pattern in patterns:
        out += [p for p in glob.glob(os.path.join(root, pattern), recursive=True)
                if os.path.isfile(p) and os.path.getsize(p) <= 65536]
    return sorted(set(out))
def read(path):
    with open(path, 'rb') as f:
        return f.read()
osv = b'{"schema_version":"1.6.0","id":"GHSA-0000-0000-0000","modified":"2024-01-01T00:00:00Z","published":"2023-12-01T00:00:00Z","aliases":["CVE-2023-0001"],"summary":"s","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],"affected":[{"package":{"ecosystem":"npm","name":"left-pad","purl":"pkg:npm/left-pad"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.3.0"}]}],"versions":["1.0.0"]}]}'
kev = b'{"title":"CISA Catalog of Known Exploited Vulnerabilities","catalogVersion":"2025.01.01","dateReleased":"2025-01-01T00:00:00.000Z","count":1,"vulnerabilities":[{"cveID":"CVE-2023-0001","vendorProject":"v","product":"p","vulnerabilityName":"n","dateAdded":"2024-01-01","shortDescription":"d","requiredAction":"a","dueDate":"2024-02-01","knownRansomwareCampaignUse":"Known","notes":"","cwes":["CWE-79"]}]}'
zipped = io.BytesIO()
with zipfile.ZipFile(zipped, 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('GHSA-0000-0000-0000.json', osv)
openvex = b'{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/1","author":"a","timestamp":"2024-01-01T00:00:00Z","version":1,"statements":[{"vulnerability":{"name":"CVE-2023-0001"},"products":[{"@id":"pkg:npm/left-pad@1.0.0"}],"status":"not_affected","justification":"vulnerable_code_not_present"}]}'
note = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n".encode()
checkpoint = "registry.example/log\n42\nqINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=\n\n\u2014 registry.example +lfCmOFb8Z7d0t5bR6tGeuN0Bmj0dWhqoyclHW1T1R3ky0m9MUqdXqaUF0ZrXp2xkN3dbnvYQlbWhVLT0xGvFVdQv/Aw=\n".encode()
status = "tekigo-label-status/1\nJC1-2026-900000177\nEXC-100 network camera\njc-star:star-1\nvalid\n2024-12-04\n2026-12-03\n42\nqINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=\n2026-11-26T03:00:00Z\n".encode()
inline = {
    'vex_read': [openvex],
    'vuln_import': [osv, b'[' + osv + b']', kev, zipped.getvalue()],
    'vuln_import_epss_csv': [b'CVE-2023-0001,0.97,0.999\nCVE-2024-0002,0.00043,0.12\n'],
    'vuln_import_kev_csv': [b'CVE-2023-0001,v,p,n,2024-01-01,d,a,2024-02-01,Known,,CWE-79\n'],
    'probe_http': [b'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm="cam", qop="auth", nonce="abc", opaque="x", algorithm=MD5\r\nWWW-Authenticate: Basic realm="cam"\r\nContent-Length: 0\r\n\r\n',
                   b'HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html><form method="post" action="/login.cgi"><input name="user"><input type="password" name="pass"></form></html>'],
    'probe_mqtt_telnet': [b'\x20\x02\x00\x05', b'\xff\xfd\x18\xff\xfd\x20\xff\xfb\x01login: ', b'220 ProFTPD ready\r\n', b'SSH-2.0-dropbear\r\n'],
    'translog': [note, checkpoint, status],
}
sources = {
    'sbom_read': files('crates/tekigo-sbom/tests/fixtures/**/*', 'crates/tekigo-vuln/tests/fixtures/*.cdx.json', 'examples/**/*.cdx.json'),
    'vex_read': files('crates/tekigo-sbom/tests/fixtures/cyclonedx/*vex*.json', 'crates/tekigo-vuln/tests/fixtures/vex*', 'crates/tekigo-csaf/tests/fixtures/*.json', 'crates/tekigo-vuln/tests/fixtures/**/*vex*'),
    'vuln_import': files('crates/tekigo-vuln/tests/fixtures/**/*.json', 'crates/tekigo-vuln/tests/fixtures/**/*.zip', 'crates/tekigo-csaf/tests/fixtures/*.json'),
    'csaf_validate': files('crates/tekigo-csaf/tests/fixtures/**/*.json', 'crates/tekigo-vuln/tests/fixtures/**/*csaf*.json'),
    'declaration': files('crates/tekigo-assess/tests/fixtures/declaration*.json', 'examples/**/declaration*.json'),
    'assess_reports': files('examples/**/*probe*.json', 'examples/**/*sbom-check*.json', 'crates/tekigo-assess/tests/fixtures/**/*.json'),
    'probe_tls': files('crates/tekigo-probe/tests/fixtures/tls/*'),
    'probe_ssh': files('crates/tekigo-probe/tests/fixtures/ssh/*'),
    'probe_udp': files('crates/tekigo-probe/tests/fixtures/udp/*'),
}
for target in targets:
    corpus = os.path.join(root, 'fuzz', 'corpus', target)
    os.makedirs(corpus, exist_ok=True)
    seeds = [read(p) for p in sources.get(target, [])] + inline.get(target, [])
    if target == 'vuln_import_epss_csv':
        # The target writes the header itself: seed with the rows.
        seeds += [b''.join(l for l in read(p).splitlines(True) if l.startswith(b'CVE-')) for p in files('crates/tekigo-vuln/tests/fixtures/**/epss*.csv')]
    if target == 'criteria_load':
        # The first byte picks the built-in file the rest replaces.
        seeds += [bytes([i]) + read(p) for i, p in enumerate(files('criteria/**/*.toml'))]
    for i, seed in enumerate(seeds):
        with open(os.path.join(corpus, 'seed-%03d' % i), 'wb') as f:
            f.write(seed)
PY

build_flags=(-s none)
case "${TEKIGO_FUZZ_BUILD:-release}" in
  release) ;;
  dev) build_flags+=(--dev) ;;
  *) echo "TEKIGO_FUZZ_BUILD must be release or dev, not ${TEKIGO_FUZZ_BUILD}" >&2; exit 2 ;;
esac
echo "== cargo +nightly fuzz build ${build_flags[*]}"
cargo +nightly fuzz build "${build_flags[@]}"

report=()
failed=0
for target in "${targets[@]}"; do
  mkdir -p "artifacts/$target"
  before=$(find "artifacts/$target" -type f | wc -l)
  log="artifacts/$target.log"
  status=ok
  cargo +nightly fuzz run "${build_flags[@]}" "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
    -print_final_stats=1 >"$log" 2>&1 || status=CRASH
  after=$(find "artifacts/$target" -type f | wc -l)
  executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  if [ -z "$executions" ]; then
    executions=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
  fi
  if [ "$status" = CRASH ]; then
    failed=1
    echo "== $target: crashed; the input is in fuzz/artifacts/$target/, the log in fuzz/$log" >&2
    grep -m 5 -E 'panicked|overflow|ERROR|SUMMARY' "$log" >&2 || true
  fi
  report+=("$(printf '%-22s %12s %8s  %s' "$target" "${executions:-?}" "$((after - before))" "$status")")
done

printf '%-22s %12s %8s  %s\n' target executions crashes status
printf '%s\n' "${report[@]}"
exit "$failed"
