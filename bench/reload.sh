#!/usr/bin/env bash
# Requests lost to reloads: webmsgd and nginx serve the same page with the
# same certificate over HTTPS on loopback, under wrk load with keep-alive and
# with one request per connection ("Connection: close"), while each is
# reloaded RELOADS times (webmsgd: SIGHUP; nginx: nginx -s reload), in one
# run. Prints wrk's socket errors (connect, read, write, timeout) and the
# answers that were not 2xx or 3xx, side by side.
#   bench/reload.sh [RELOADS] [CONNECTIONS]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
reloads=${1:-20}
conns=${2:-32}
# Seconds between the end of one reload and the next: each reload meets
# connections in every state (idle, sending, being answered).
pause=0.5

. bench/lib.sh
bench_build

work=$(mktemp -d /tmp/webmsg-bench.XXXXXX)
export WEBMSG_CONFIG=$work/webmsg.db
admin=build/bin/webmsg-admin
nginx_pid=
wrk_pid=
cleanup() {
	[ -n "$wrk_pid" ] && kill "$wrk_pid" 2>/dev/null
	"$admin" service stop >/dev/null 2>&1 || true
	[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

http_port=$(port)
https_port=$(port)
nginx_port=$(port)
# webmsgd's log tells when a reload is done.
webmsgd_tls "$http_port" "$https_port" web.max_connections_per_address 8192 log.level info
webmsgd_pid=$(cat "$work/webmsgd.pid")
webmsgd_log=$work/webmsgd.log
nginx_same_page "$https_port" "$nginx_port"

# Waits (bounded) until the log line that ends a webmsgd reload appears N times.
webmsgd_reloaded() {
	for _ in $(seq 300); do
		[ "$(grep -c 'serving configuration version' "$webmsgd_log")" -ge "$1" ] && return 0
		sleep 0.1
	done
	echo "webmsgd did not finish a reload" >&2
	return 1
}

# nginx's serving workers (not those shutting down after a reload).
nginx_workers() { ps --ppid "$nginx_pid" -o pid=,args= | awk '/worker process$/ { print $1 }' | sort; }

# Waits (bounded) until none of the workers in $1 serves any more.
nginx_reloaded() {
	local now
	for _ in $(seq 300); do
		now=$(nginx_workers)
		if [ -n "$now" ] && [ -z "$(comm -12 <(printf '%s\n' "$1") <(printf '%s\n' "$now"))" ]; then
			return 0
		fi
		sleep 0.1
	done
	echo "nginx did not finish a reload" >&2
	return 1
}

reload_webmsgd() {
	local before
	before=$(grep -c 'serving configuration version' "$webmsgd_log")
	kill -HUP "$webmsgd_pid"
	webmsgd_reloaded $((before + 1))
}

reload_nginx() {
	local before
	before=$(nginx_workers)
	# It says "signal process started" on standard error each time.
	nginx -p "$work/nginx" -c "$nginx_conf" -s reload 2>>"$work/nginx/signal.log"
	nginx_reloaded "$before"
}

# run SERVER PORT MODE: RELOADS reloads of SERVER under load; wrk's output in $work/wrk.out.
run() {
	local server=$1 url="https://127.0.0.1:$2/" opts=()
	[ "$3" = new-connection ] && opts=(-H "Connection: close")
	# wrk runs until interrupted, so that every reload happens under load
	# however long the reloads take; a long timeout counts a busy machine as
	# slow, not as failed.
	wrk -t2 -c"$conns" -d1h --timeout 10s "${opts[@]}" "$url" >"$work/wrk.out" 2>&1 &
	wrk_pid=$!
	sleep 1
	for _ in $(seq "$reloads"); do
		"reload_$server"
		sleep "$pause"
	done
	sleep 1
	kill -INT "$wrk_pid"
	wait "$wrk_pid" || true
	wrk_pid=
}

# row MODE SERVER WRK-OUTPUT
row() {
	awk -v mode="$1" -v server="$2" '
		/requests in/ { requests = $1 }
		/Socket errors:/ { gsub(",", ""); connect = $4; read = $6; write = $8; timeout = $10 }
		/Non-2xx or 3xx responses:/ { non2xx = $NF }
		END { printf "%-16s %-8s %9d %8d %8d %8d %8d %8d\n", mode, server, requests,
		      connect, read, write, timeout, non2xx }' <<<"$3"
}

echo "$reloads reloads of each under HTTPS load, $conns connections, the logon page"
printf '%-16s %-8s %9s %8s %8s %8s %8s %8s\n' load server requests connect read write timeout \
	non-2xx
for mode in keep-alive new-connection; do
	run webmsgd "$https_port" "$mode"
	row "$mode" webmsgd "$(cat "$work/wrk.out")"
	run nginx "$nginx_port" "$mode"
	row "$mode" nginx "$(cat "$work/wrk.out")"
done
