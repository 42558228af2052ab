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

scripts/deps.sh bench
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" >/dev/null

work=$(mktemp -d /tmp/webmsg-bench.XXXXXX)
export WEBMSG_CONFIG=$work/webmsg.db
admin=build/bin/webmsg-admin
nginx_conf=$work/nginx/nginx.conf
nginx_pid=
wrk_pid=
cleanup() {
	[ -n "$wrk_pid" ] && kill "$wrk_pid" 2>/dev/null
	"$admin" service stop >/dev/null 2>&1 || true
	[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http_port=$(port)
https_port=$(port)
nginx_port=$(port)

# webmsgd with a self-signed ECDSA P-256 certificate and the intermediate
# profile; its log tells when a reload is done.
mkdir -m 700 "$work/ssl"
"$admin" init >/dev/null
"$admin" config set web.bind 127.0.0.1 >/dev/null
"$admin" config set web.http_port "$http_port" >/dev/null
"$admin" config set web.https_port "$https_port" >/dev/null
"$admin" config set web.max_connections_per_address 8192 >/dev/null
"$admin" config set log.level info >/dev/null
"$admin" ssl keystore "$work/ssl" >/dev/null
"$admin" ssl selfsign --cn localhost --san 127.0.0.1 >/dev/null
"$admin" ssl enable >/dev/null
"$admin" service start >/dev/null
webmsgd_pid=$(cat "$work/webmsgd.pid")
webmsgd_log=$work/webmsgd.log

# nginx: the same page bytes, certificate, key, versions and suites (as in
# bench/https.sh).
mkdir -p "$work/nginx/html"
curl -sk "https://127.0.0.1:$https_port/" >"$work/nginx/html/index.html"
chmod 755 "$work" "$work/nginx" "$work/nginx/html" # nginx's workers drop privileges
chmod 644 "$work/nginx/html/index.html"
sqlite3 "$WEBMSG_CONFIG" "SELECT value FROM settings WHERE key = 'ssl.key_password'" >"$work/nginx/keypass"
cat >"$nginx_conf" <<CONF
worker_processes 2;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log error;
events { worker_connections 1024; }
http {
	access_log off;
	server {
		listen 127.0.0.1:$nginx_port ssl;
		ssl_certificate $work/ssl/server.crt;
		ssl_certificate_key $work/ssl/server.key;
		ssl_password_file $work/nginx/keypass;
		ssl_protocols TLSv1.2 TLSv1.3;
		ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305;
		ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256;
		ssl_prefer_server_ciphers on;
		ssl_ecdh_curve X25519:prime256v1:secp384r1;
		ssl_session_tickets off;
		ssl_session_cache off;
		root $work/nginx/html;
		location / { index index.html; default_type "text/html; charset=utf-8"; }
	}
}
CONF
nginx -p "$work/nginx" -c "$nginx_conf" -g 'daemon off;' &
nginx_pid=$!
for _ in $(seq 50); do curl -sk -o /dev/null "https://127.0.0.1:$nginx_port/" && break; sleep 0.1; done

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
