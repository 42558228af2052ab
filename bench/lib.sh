# bench/lib.sh - what the benchmarks share: the build, free ports on
# loopback, a webmsgd serving HTTPS with a self-signed certificate, and nginx
# serving the same logon page with the same certificate, key, versions and
# suites. Sourced from the top of the checkout; work is the benchmark's
# temporary folder.

# bench_build: the packages the benchmarks need, then an optimized build.
bench_build() {
	scripts/deps.sh bench
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j "$(nproc)" >/dev/null
}

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# webmsgd_tls HTTP_PORT HTTPS_PORT [SETTING VALUE]...: a new instance in
# $work with a self-signed ECDSA P-256 certificate and the intermediate
# profile, started; the pairs are set before it starts.
webmsgd_tls() {
	local http=$1 https=$2
	shift 2
	# Run as root, the worker serves as the webmsg user: it passes through.
	chmod 711 "$work"
	mkdir -m 700 "$work/ssl"
	"$admin" init >/dev/null
	"$admin" config set web.bind 127.0.0.1 >/dev/null
	"$admin" config set web.http_port "$http" >/dev/null
	"$admin" config set web.https_port "$https" >/dev/null
	while [ $# -ge 2 ]; do
		"$admin" config set "$1" "$2" >/dev/null
		shift 2
	done
	"$admin" ssl keystore "$work/ssl" >/dev/null
	"$admin" ssl selfsign --cn localhost --san 127.0.0.1 >/dev/null
	"$admin" ssl enable >/dev/null
	"$admin" service start >/dev/null
}

# nginx_same_page WEBMSGD_HTTPS_PORT NGINX_PORT: nginx in $work/nginx serving
# the page webmsgd serves at / with webmsgd's certificate, encrypted key,
# versions and suites in the same order of preference; no session resumption,
# as webmsgd has none; two workers, as the machine's two cores. Sets
# nginx_pid and nginx_conf and waits until it answers.
nginx_same_page() {
	nginx_conf=$work/nginx/nginx.conf
	mkdir -p "$work/nginx/html"
	curl -sk "https://127.0.0.1:$1/" >"$work/nginx/html/index.html"
	chmod 755 "$work" "$work/nginx" "$work/nginx/html" # nginx's workers drop privileges
	chmod 644 "$work/nginx/html/index.html"
	sqlite3 "$WEBMSG_CONFIG" "SELECT value FROM settings WHERE key = 'ssl.key_password'" \
		>"$work/nginx/keypass"
	cat >"$nginx_conf" <<CONF
worker_processes 2;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log error;
events { worker_connections 1024; }
http {
	access_log off;
	server {
		listen 127.0.0.1:$2 ssl;
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
	for _ in $(seq 50); do
		curl -sk -o /dev/null "https://127.0.0.1:$2/" && return 0
		sleep 0.1
	done
	echo "nginx did not start: $(cat "$work/nginx/error.log" 2>/dev/null)" >&2
	return 1
}
