#!/usr/bin/env bash
# Installs the Debian packages webmsg needs and are missing.
#   scripts/deps.sh build   to build and run webmsg
#   scripts/deps.sh test    to build and run the whole test suite
#   scripts/deps.sh bench   to build and run the benchmarks in bench/
#   scripts/deps.sh cluster to build and run scripts/cluster-demo.sh
#   scripts/deps.sh user    only the webmsg system user and group (build and
#                           test make them too, when run as root)
set -euo pipefail

# The user webmsgd's workers serve as when it starts as root (service.user,
# service.group), as the install makes it: no home, no shell.
service_user() {
	getent group webmsg >/dev/null || groupadd --system webmsg
	getent passwd webmsg >/dev/null ||
		useradd --system --gid webmsg --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin --comment "webmsg Web Messaging workers" webmsg
}

# libcurl's GnuTLS flavour: Debian 12's libetpan-dev (the IMAP store) needs it,
# and it cannot be installed beside libcurl4-openssl-dev; webmsg uses no
# option of curl's that depends on its TLS library. libjansson-dev: the ACME
# client's JSON; libqrencode-dev: the QR code of a TOTP secret.
build_pkgs=(cmake make gcc pkg-config libsqlite3-dev libssl-dev libmicrohttpd-dev
	libgnutls28-dev libncurses-dev libgmime-3.0-dev libargon2-dev libcurl4-gnutls-dev
	libseccomp-dev libhiredis-dev libjansson-dev libetpan-dev libqrencode-dev openssl)
# clang and its runtimes (libFuzzer, the sanitizers) build the sanitized suite
# and the fuzz tier; pebble is the ACME test server (test_acme.sh), Dovecot the
# IMAP server of the IMAP store's tests.
test_pkgs=(libcmocka-dev curl gnutls-bin sqlite3 tmux python3 procps iproute2 chromium fail2ban systemd
	clang libclang-rt-dev wrk redis-server pebble dovecot-imapd)
# test_cluster_demo.sh: nginx is the cluster demo's load balancer.
test_pkgs+=(nginx-light)
# The benchmarks load webmsgd and nginx, its peer, with wrk.
bench_pkgs=(curl sqlite3 python3 procps openssl wrk nginx-light)
# bench/imap.sh: Roundcube 1.6 on php-fpm beside webmsgd, both on Dovecot.
bench_pkgs+=(roundcube-core roundcube-sqlite3 php-fpm dovecot-imapd redis-server)
# scripts/cluster-demo.sh: Dovecot, Redis and nginx in front of two webmsgd,
# and the loopback relay (python3) standing in for the site's mail server.
cluster_pkgs=(dovecot-imapd redis-server nginx-light python3 openssl)

want=("${build_pkgs[@]}")
case "${1:-build}" in
build) ;;
test) want+=("${test_pkgs[@]}") ;;
bench) want+=("${bench_pkgs[@]}") ;;
cluster) want+=("${cluster_pkgs[@]}") ;;
user)
	[ "$(id -u)" -eq 0 ] || { echo "$0 user: run it as root" >&2; exit 1; }
	service_user
	exit 0
	;;
*) echo "usage: $0 build|test|bench|cluster|user" >&2; exit 2 ;;
esac
[ "$(id -u)" -ne 0 ] || service_user

# The browser tests run on Node.js: the machine's own when it has one, else Debian's.
if [ "${1:-build}" = test ] && ! command -v npm >/dev/null 2>&1; then
	want+=(nodejs npm)
fi

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts the packaged nginx on port 80; the benchmarks and the cluster
# demo run their own.
case " ${missing[*]} " in
*" nginx-light "*) "${sudo[@]}" systemctl disable --now nginx >/dev/null 2>&1 || true ;;
esac
# Nor the packaged php-fpm: bench/imap.sh starts a pool of its own.
case " ${missing[*]} " in
*" php-fpm "*) "${sudo[@]}" systemctl disable --now php8.2-fpm >/dev/null 2>&1 || true ;;
esac
