#!/usr/bin/env bash
# HTTPS throughput of webmsgd's logon page beside nginx serving the same bytes
# with the same certificate and protocol versions, on loopback, in one run:
# keep-alive, and one request per connection (a full handshake each time).
# Prints requests per second and the ratio webmsgd / nginx, and the servers'
# CPU time per request (all their processes: webmsgd's parent and worker,
# nginx's master and workers).
#   bench/https.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
secs=${1:-10}
conns=${2:-32}

. bench/lib.sh
bench_build

work=$(mktemp -d /tmp/webmsg-bench.XXXXXX)
export WEBMSG_CONFIG=$work/webmsg.db
admin=build/bin/webmsg-admin
nginx_pid=
cleanup() {
	"$admin" service stop >/dev/null 2>&1 || true
	[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

http_port=$(port)
https_port=$(port)
nginx_port=$(port)
# Served as whoever runs the benchmark: no webmsg user needed.
webmsgd_tls "$http_port" "$https_port" service.user "$(id -un)" service.group "$(id -gn)" \
	log.level error
nginx_same_page "$https_port" "$nginx_port"
webmsgd_pid=$(cat "$work/webmsgd.pid")

# cpu_ticks PID: clock ticks of CPU that PID and its children used so far.
cpu_ticks() {
	local t=0 p
	for p in "$1" $(pgrep -P "$1"); do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}

# load PID URL [wrk options]: "requests/s microseconds-of-server-CPU/request"
# for the server whose processes are PID and its children. CPU per request
# changes less than throughput when other work shares the machine.
load() {
	local pid=$1 url=$2 before out
	shift 2
	before=$(cpu_ticks "$pid")
	out=$(wrk -t2 -c"$conns" -d"${secs}s" "$@" "$url")
	awk -v ticks=$(($(cpu_ticks "$pid") - before)) -v hz="$(getconf CLK_TCK)" '
		/requests in/ { n = $1 }
		/^Requests\/sec/ { rps = $2 }
		END { printf "%s %.0f\n", rps, n ? ticks * 1e6 / hz / n : 0 }' <<<"$out"
}
ratio() { python3 -c 'import sys; print("%.2f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }

size_w=$(curl -sk -o /dev/null -w '%{size_download}' "https://127.0.0.1:$https_port/")
size_n=$(curl -sk -o /dev/null -w '%{size_download}' "https://127.0.0.1:$nginx_port/")
if [ "$size_w" != "$size_n" ]; then
	echo "webmsgd serves $size_w bytes but nginx $size_n: not the same page" >&2
	exit 1
fi
negotiated() { openssl s_client -connect "127.0.0.1:$1" </dev/null 2>/dev/null | sed -n 's/^New, //p'; }
echo "the logon page, $size_w bytes; $conns connections, ${secs}s each"
echo "webmsgd: $(negotiated "$https_port")"
echo "nginx:   $(negotiated "$nginx_port")"
printf '%-34s %12s %12s %8s %8s\n' "HTTPS logon page" "webmsgd" "nginx" "ratio" "aim"
for mode in keep-alive new-connection; do
	opts=()
	aim=0.5
	if [ "$mode" = new-connection ]; then
		opts=(-H "Connection: close")
		aim=0.8
	fi
	read -r w_rps w_cpu < <(load "$webmsgd_pid" "https://127.0.0.1:$https_port/" "${opts[@]}")
	read -r n_rps n_cpu < <(load "$nginx_pid" "https://127.0.0.1:$nginx_port/" "${opts[@]}")
	printf '%-34s %12s %12s %8s %8s\n' "$mode (req/s)" "$w_rps" "$n_rps" \
		"$(ratio "$w_rps" "$n_rps")" "$aim"
	printf '%-34s %12s %12s %8s\n' "$mode (server CPU us/req)" "$w_cpu" "$n_cpu" \
		"$(ratio "$w_cpu" "$n_cpu")"
done
