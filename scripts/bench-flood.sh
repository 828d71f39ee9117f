#!/usr/bin/env bash
# Label verification under a flood, in one run: `tekigo serve --demo N` (release build, fresh
# SQLite data), then wrk verifying one label (/api/v1/labels/N) alone, and again while 16
# connections flood text search or log-in, first from one address (what the per-address limits
# answer), then from a new address on every request (many machines, through a trusted proxy's
# X-Forwarded-For: what the limits cannot stop, so the search index and the bounded password work
# must). Also times text search alone, one client at a time. Prints markdown.
#
# Usage: scripts/bench-flood.sh [--bin PATH]   (PATH: another tekigo binary, e.g. an older build,
#        for a before/after comparison; it may lack --trusted-proxy, then the many-address rows
#        are flooded from one address too and say so)
# Environment: LABELS (default 100000), DURATION (10s), PORT (18190).
# Loopback only. A benchmark, not a test: CI does not run it. wrk and the server share the
# machine's cores: compare the rows, not other machines.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=
while [[ $# -gt 0 ]]; do
  case $1 in
    --bin) bin=${2:?--bin needs a path}; shift 2 ;;
    *) echo "bench-flood: unknown argument $1 (usage: $0 [--bin PATH])" >&2; exit 2 ;;
  esac
done
labels=${LABELS:-100000}
duration=${DURATION:-10s}
port=${PORT:-18190}
for tool in wrk curl; do
  command -v $tool >/dev/null || { echo "bench-flood: $tool is missing (apt-get install $tool)" >&2; exit 2; }
done
if [[ -z $bin ]]; then
  cargo build --release --quiet -p tekigo
  bin=$PWD/target/release/tekigo
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

serve_args=(serve --addr "127.0.0.1:$port" --data-dir "$work/data" --demo "$labels" --lang en)
proxied=no
if "$bin" serve --help | grep -q -- --trusted-proxy; then
  serve_args+=(--trusted-proxy 127.0.0.1)
  proxied=yes
fi
echo "starting $bin serve --demo $labels" >&2
"$bin" "${serve_args[@]}" >"$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 1200); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "${pids[0]}" 2>/dev/null; then cat "$work/serve.log" >&2; exit 1; fi
  sleep 0.5
done
base=http://127.0.0.1:$port
number=$(curl -fsS -H 'X-Forwarded-For: 10.255.255.1' "$base/api/v1/labels?status=valid&offset=$((labels / 3))&limit=1" |
  grep -o '"number":"[^"]*"' | head -1 | cut -d'"' -f4)
if [[ -z $number ]]; then echo "bench-flood: no valid label found" >&2; exit 1; fi

# wrk scripts: a new client address per request (believed only through --trusted-proxy), and
# log-in posts carrying the double-submit cookie and field, as a script can.
csrf=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
cat >"$work/many.lua" <<'LUA'
request = function()
  local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  return wrk.format(nil, nil, { ["X-Forwarded-For"] = ip })
end
LUA
cat >"$work/login.lua" <<LUA
local rotate = os.getenv("ROTATE") == "1"
request = function()
  local headers = { ["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = "tekigo_csrf=$csrf" }
  local who = "nobody"
  if rotate then
    headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
    who = string.format("user%d", math.random(1, 1000000000))
  end
  return wrk.format("POST", "/login", headers, "csrf=$csrf&email=" .. who .. "%40example.com&password=not+the+password")
end
LUA

# Requests/s and p99 of verification: wrk, 1 thread, 4 connections.
verify() {
  wrk -t1 -c4 -d"$duration" --latency "$base/api/v1/labels/$number" >"$work/verify.txt"
  local rps p99 bad
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/verify.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/verify.txt")
  bad=$(awk '/Non-2xx/ {print $NF}' "$work/verify.txt")
  echo "$rps | $p99 | ${bad:-0}"
}
# Runs a flood of 16 connections in the background for the verification's duration.
flood() {
  local out=$1; shift
  wrk -t1 -c16 -d"$duration" "$@" >"$out" 2>&1 &
  pids+=($!)
  sleep 0.5
}
flood_summary() {
  local rps non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' "$1")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$1")
  echo "$rps/s, ${non2xx:-0} refused"
}

search_q='q=product%2012&limit=50'
echo
echo "## Label verification under a flood ($labels demo labels, SQLite, $(basename "$bin"), $duration each)"
echo
echo "| Flood (16 connections) | verification req/s | p99 | verification non-2xx | flood |"
echo "|---|---|---|---|---|"
echo "| none | $(verify) | — |"
flood "$work/f1.txt" "$base/api/v1/labels?$search_q"
row=$(verify); wait "${pids[-1]}" || true
echo "| text search, one address | $row | $(flood_summary "$work/f1.txt") |"
if [[ $proxied == yes ]]; then
  flood "$work/f2.txt" -s "$work/many.lua" "$base/api/v1/labels?$search_q"
  row=$(verify); wait "${pids[-1]}" || true
  echo "| text search, a new address per request | $row | $(flood_summary "$work/f2.txt") |"
fi
flood "$work/f3.txt" -s "$work/login.lua" "$base/login"
row=$(verify); wait "${pids[-1]}" || true
echo "| log-in, one address, one e-mail | $row | $(flood_summary "$work/f3.txt") |"
if [[ $proxied == yes ]]; then
  ROTATE=1 flood "$work/f4.txt" -s "$work/login.lua" "$base/login"
  row=$(verify); wait "${pids[-1]}" || true
  echo "| log-in, a new address and e-mail per request | $row | $(flood_summary "$work/f4.txt") |"
fi

# Text search alone: one connection, each request from a new address so no limit applies.
echo
echo "## Text search alone (one connection, $duration)"
echo
echo "| query | matches | searches/s | mean latency |"
echo "|---|---|---|---|"
for q in 'product%2012' 'DV050-77' 'Demo' 'camera' '%E3%82%AB%E3%83%A1%E3%83%A9' 'p1'; do
  total=$(curl -fsS -H 'X-Forwarded-For: 10.255.255.2' "$base/api/v1/labels?q=$q&limit=1" | grep -o '"total":[0-9]*' | cut -d: -f2 || echo "?")
  wrk -t1 -c1 -d"$duration" -s "$work/many.lua" "$base/api/v1/labels?q=$q&limit=50" >"$work/search.txt"
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/search.txt")
  mean=$(awk '$1 == "Latency" {print $2; exit}' "$work/search.txt")
  echo "| \`$(printf '%b' "${q//%/\\x}")\` | $total | $rps | $mean |"
done
