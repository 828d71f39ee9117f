#!/usr/bin/env bash
# Wall time of a full ★1 probe against weak daemons, next to `nmap -sV` over the same ports of
# the same daemons, in one run (hyperfine). Everything runs inside a network namespace made here
# (loopback only) and is torn down on exit. Needs root, hyperfine, nmap and the daemons of
# .ci/run. Usage: scripts/probe-bench.sh [path/to/tekigo]   (default: target/release/tekigo)
set -euo pipefail
TEKIGO=$(realpath "${1:-target/release/tekigo}")
NS="tekigo-bench-$$"
LAB=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$LAB"
}
trap cleanup EXIT
ip netns add "$NS"
ip -n "$NS" link set lo up
mkdir -p "$LAB/etc" "$LAB/www" "$LAB/ftp" "$LAB/empty"
HASH=$(openssl passwd -6 admin)
printf 'root:x:0:0:root:/root:/bin/sh\nadmin:x:0:0:admin:/root:/bin/sh\n' > "$LAB/etc/passwd"
printf 'root:%s:19000:0:99999:7:::\nadmin:%s:19000:0:99999:7:::\n' "$HASH" "$HASH" > "$LAB/etc/shadow"
dropbearkey -t ed25519 -f "$LAB/etc/key" >/dev/null 2>&1
BIND="mount --bind $LAB/etc/passwd /etc/passwd && mount --bind $LAB/etc/shadow /etc/shadow"
start() { setsid ip netns exec "$NS" "$@" >/dev/null 2>&1 & PIDS+=("$!"); }
start unshare -m --propagation private sh -c "$BIND && exec dropbear -F -E -p 127.0.0.1:22 -r $LAB/etc/key"
start unshare -m --propagation private sh -c "$BIND && exec busybox nc -ll -p 23 -e /usr/sbin/telnetd"
echo '<html>camera</html>' > "$LAB/www/index.html"; echo '/:admin:admin' > "$LAB/etc/httpd.conf"
start busybox httpd -f -p 127.0.0.1:80 -h "$LAB/www" -c "$LAB/etc/httpd.conf"
printf 'listen=YES\nlisten_address=127.0.0.1\nlisten_port=21\nbackground=NO\nanonymous_enable=YES\nlocal_enable=NO\nanon_root=%s\nsecure_chroot_dir=%s\nseccomp_sandbox=NO\nisolate_network=NO\nisolate=NO\nvsftpd_log_file=/dev/null\n' "$LAB/ftp" "$LAB/empty" > "$LAB/etc/vsftpd.conf"
start vsftpd "$LAB/etc/vsftpd.conf"
printf 'listener 1883 127.0.0.1\nallow_anonymous true\npersistence false\nuser root\nlog_dest none\n' > "$LAB/etc/mosquitto.conf"
start mosquitto -c "$LAB/etc/mosquitto.conf"
sleep 1
PORTS=21,22,23,80,1883
ip netns exec "$NS" ss -ltn
ip netns exec "$NS" "$TEKIGO" probe 127.0.0.1 --ports "$PORTS" --lang en || true
hyperfine --runs "${RUNS:-3}" --ignore-failure \
  -n "tekigo probe (★1, full)" "ip netns exec $NS $TEKIGO probe 127.0.0.1 --ports $PORTS --format json" \
  -n "nmap -sV" "ip netns exec $NS nmap -Pn -n -sV -p $PORTS 127.0.0.1" \
  ${HYPERFINE_EXPORT:+--export-markdown "$HYPERFINE_EXPORT"}
