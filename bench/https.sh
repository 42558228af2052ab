#!/usr/bin/env bash
# HTTPS throughput of webmsgd's logon page beside nginx serving the same bytes
# with the same certificate and protocol versions, on loopback, in one run:
# keep-alive, and one request per connection (a full handshake each time).
# Prints requests per second and the ratio webmsgd / nginx.
#   bench/https.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
secs=${1:-10}
conns=${2:-32}

missing=()
for p in wrk nginx-light; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
	# Debian starts the packaged nginx on port 80; this benchmark runs its own.
	"${sudo[@]}" systemctl disable --now nginx >/dev/null 2>&1 || true
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" >/dev/null

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

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http_port=$(port)
https_port=$(port)
nginx_port=$(port)

# webmsgd with a self-signed ECDSA P-256 certificate and the intermediate profile.
mkdir -m 700 "$work/ssl"
"$admin" init >/dev/null
"$admin" config set web.bind 127.0.0.1 >/dev/null
# Served as whoever runs the benchmark: no webmsg user needed.
"$admin" config set service.user "$(id -un)" >/dev/null
"$admin" config set service.group "$(id -gn)" >/dev/null
"$admin" config set web.http_port "$http_port" >/dev/null
"$admin" config set web.https_port "$https_port" >/dev/null
"$admin" config set log.level error >/dev/null
"$admin" ssl keystore "$work/ssl" >/dev/null
"$admin" ssl selfsign --cn localhost --san 127.0.0.1 >/dev/null
"$admin" ssl enable >/dev/null
"$admin" service start >/dev/null

# nginx: the same page bytes, certificate, encrypted key, versions and suites in
# the same order of preference; no session resumption, as webmsgd has none; as
# many workers as webmsgd has threads.
mkdir -p "$work/nginx/html"
curl -sk "https://127.0.0.1:$https_port/" > "$work/nginx/html/index.html"
chmod 755 "$work" "$work/nginx" "$work/nginx/html" # nginx's workers drop privileges
chmod 644 "$work/nginx/html/index.html"
sqlite3 "$WEBMSG_CONFIG" "SELECT value FROM settings WHERE key = 'ssl.key_password'" > "$work/nginx/keypass"
cat > "$work/nginx/nginx.conf" <<CONF
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
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
for _ in $(seq 50); do curl -sk -o /dev/null "https://127.0.0.1:$nginx_port/" && break; sleep 0.1; done

# rps URL [wrk options]: requests per second.
rps() {
	local url=$1
	shift
	wrk -t2 -c"$conns" -d"${secs}s" "$@" "$url" | awk '/^Requests\/sec/ { print $2 }'
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
printf '%-26s %12s %12s %8s %8s\n' "HTTPS logon page" "webmsgd" "nginx" "ratio" "aim"
for mode in keep-alive new-connection; do
	opts=()
	aim=0.5
	if [ "$mode" = new-connection ]; then
		opts=(-H "Connection: close")
		aim=0.8
	fi
	w=$(rps "https://127.0.0.1:$https_port/" "${opts[@]}")
	n=$(rps "https://127.0.0.1:$nginx_port/" "${opts[@]}")
	printf '%-26s %12s %12s %8s %8s\n' "$mode (req/s)" "$w" "$n" "$(ratio "$w" "$n")" "$aim"
done
