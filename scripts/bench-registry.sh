#!/usr/bin/env bash
# Whole-command benchmark of the registry's public read path: `tekigo serve --demo 1000000` (release
# build, fresh data), then wrk against one label's JSON (/api/v1/labels/N) and its product page
# (/labels/N), next to nginx serving static files of exactly the same bytes (the cost of HTTP
# alone). Prints requests/s and p99 latency side by side, as markdown.
#
# Usage: scripts/bench-registry.sh [--database postgres://USER@HOST/EMPTY_DB]
# Environment: LABELS (default 1000000), DURATION (20s), CONNECTIONS (64), THREADS (2),
# PORT (18180; nginx on PORT+1). Installs wrk and nginx with apt-get when missing (as root).
# wrk, the server and nginx share this machine's cores: compare the columns, not other machines.
# A benchmark, not a test: CI does not run it.
set -euo pipefail
cd "$(dirname "$0")/.."

database=
while [[ $# -gt 0 ]]; do
  case $1 in
    --database) database=${2:?--database needs a URL}; shift 2 ;;
    *) echo "bench-registry: unknown argument $1 (usage: $0 [--database URL])" >&2; exit 2 ;;
  esac
done
labels=${LABELS:-1000000}
duration=${DURATION:-20s}
connections=${CONNECTIONS:-64}
threads=${THREADS:-2}
port=${PORT:-18180}
nginx_port=$((port + 1))

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
command -v curl >/dev/null || missing+=(curl)
if [[ ${#missing[@]} -gt 0 ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "bench-registry: missing ${missing[*]}: apt-get install ${missing[*]}" >&2
    exit 2
  fi
  echo "installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

cargo build --release --quiet -p tekigo
bin=$PWD/target/release/tekigo
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The registry, filled with demo labels, on SQLite in a fresh folder or on the given database.
serve_args=(serve --addr "127.0.0.1:$port" --data-dir "$work/data" --demo "$labels" --lang en)
if [[ -n $database ]]; then serve_args+=(--database "$database"); fi
backend=${database:+PostgreSQL}
backend=${backend:-SQLite}
echo "starting tekigo serve --demo $labels on $backend" >&2
"$bin" "${serve_args[@]}" >"$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 1800); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "${pids[0]}" 2>/dev/null; then cat "$work/serve.log" >&2; exit 1; fi
  sleep 0.5
done
cat "$work/serve.log" >&2
fill=$(grep -o 'in [0-9.]* s' "$work/serve.log" | head -1 || true)

# A real label, valid today, from the middle of the registry.
number=$(curl -fsS "http://127.0.0.1:$port/api/v1/labels?status=valid&offset=$((labels / 3))&limit=1" |
  grep -o '"number":"[^"]*"' | head -1 | cut -d'"' -f4)
if [[ -z $number ]]; then echo "bench-registry: no valid label found" >&2; exit 1; fi

# The same bytes, static, under nginx.
mkdir -p "$work/www" "$work/nginx"
curl -fsS "http://127.0.0.1:$port/api/v1/labels/$number" >"$work/www/label.json"
curl -fsS "http://127.0.0.1:$port/labels/$number" >"$work/www/label.html"
chmod -R a+rX "$work"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  types { text/html html; application/json json; }
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
  }
}
EOF
"$nginx_bin" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
for _ in $(seq 1 50); do
  if curl -fsS "http://127.0.0.1:$nginx_port/label.json" >/dev/null 2>&1; then break; fi
  sleep 0.1
done

# One wrk run: "requests/s p99".
measure() {
  local out
  out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency ${2:+-s "$2"} "$1")
  echo "$out" >&2
  local rps p99 errors
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
  errors=$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr -s ' ' | paste -sd';' || true)
  echo "$rps|$p99|${errors:-none}"
}

# Random labels: every request names another of the million (the cache rarely helps), the read
# path a real population of QR scans takes. Demo numbers are JC1-<year>-9<product id, 8 digits>.
year=$(cut -d- -f2 <<<"$number")
for kind in api page; do
  prefix=$([[ $kind == api ]] && echo "/api/v1/labels/" || echo "/labels/")
  cat >"$work/random-$kind.lua" <<LUA
math.randomseed(42)
request = function()
  return wrk.format("GET", string.format("${prefix}JC1-${year}-%09d", 900000000 + math.random(1, $labels)))
end
LUA
done

rows=()
for target in "JSON /api/v1/labels/$number|api/v1/labels/$number|label.json" \
              "page /labels/$number|labels/$number|label.html"; do
  IFS='|' read -r name path file <<<"$target"
  size=$(stat -c %s "$work/www/$file")
  echo "wrk: tekigo $name" >&2
  IFS='|' read -r rps p99 errors <<<"$(measure "http://127.0.0.1:$port/$path")"
  rows+=("| $name | tekigo ($backend) | $size | $rps | $p99 | $errors |")
  echo "wrk: nginx static $file" >&2
  IFS='|' read -r rps p99 errors <<<"$(measure "http://127.0.0.1:$nginx_port/$file")"
  rows+=("| $name | nginx, static copy | $size | $rps | $p99 | $errors |")
done
for kind in api page; do
  name=$([[ $kind == api ]] && echo "JSON, a random label each request" || echo "page, a random label each request")
  echo "wrk: tekigo $name" >&2
  IFS='|' read -r rps p99 errors <<<"$(measure "http://127.0.0.1:$port/" "$work/random-$kind.lua")"
  rows+=("| $name | tekigo ($backend) | ~ | $rps | $p99 | $errors |")
done

echo
echo "## tekigo registry read path ($(date -u +%Y-%m-%d), $(nproc) cores, $labels demo labels on $backend${fill:+, filled $fill})"
echo
echo "wrk -t$threads -c$connections -d$duration --latency, label $number"
echo
echo "| request | server | bytes | requests/s | p99 | errors |"
echo "|:---|:---|---:|---:|---:|:---|"
printf '%s\n' "${rows[@]}"
