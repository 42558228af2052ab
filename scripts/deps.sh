#!/usr/bin/env bash
# Installs the Debian packages webmsg needs and are missing.
#   scripts/deps.sh build   to build and run webmsg
#   scripts/deps.sh test    to build and run the whole test suite
set -euo pipefail

build_pkgs=(cmake make gcc pkg-config libsqlite3-dev libssl-dev libmicrohttpd-dev
	libgnutls28-dev libncurses-dev libgmime-3.0-dev libargon2-dev libcurl4-openssl-dev
	libhiredis-dev openssl)
# clang and its runtimes (libFuzzer, the sanitizers) build the sanitized suite and the fuzz tier.
test_pkgs=(libcmocka-dev curl gnutls-bin sqlite3 tmux python3 procps iproute2 chromium fail2ban systemd
	clang libclang-rt-dev redis-server)

want=("${build_pkgs[@]}")
case "${1:-build}" in
build) ;;
test) want+=("${test_pkgs[@]}") ;;
*) echo "usage: $0 build|test" >&2; exit 2 ;;
esac

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
