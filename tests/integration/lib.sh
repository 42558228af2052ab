# lib.sh - what every integration test shares: a throw-away instance, free
# loopback ports, and checks that count what passed and what failed.
set -uo pipefail

: "${WEBMSG_BIN:?WEBMSG_BIN must name the folder with webmsgd and webmsg-admin}"
ADMIN="$WEBMSG_BIN/webmsg-admin"
export WEBMSG_DAEMON="$WEBMSG_BIN/webmsgd"
WORK=$(mktemp -d /tmp/webmsg-test.XXXXXX)
export WEBMSG_CONFIG="$WORK/webmsg.db"
PASSED=0
FAILED=0

cleanup() {
	local pid
	pid=$(daemon_pid)
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait_for 5 pid_gone "$pid"
	fi
	stop_pid "${RELAY_PID:-}"
	if [ "$FAILED" -gt 0 ] && [ -f "$WORK/webmsgd.log" ]; then
		echo "--- webmsgd.log"
		tail -n 30 "$WORK/webmsgd.log"
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

pass() { PASSED=$((PASSED + 1)); echo "ok - $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $1"; }

# check DESCRIPTION COMMAND...: the command succeeds.
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

# wait_for SECONDS COMMAND...: runs the command until it succeeds, for at
# most that long (whole seconds, measured, not counted in tries: a busy
# machine makes each try slower). Fails with what it waited for, on stderr.
wait_for() {
	local _wait_limit=$1 _wait_end
	shift
	_wait_end=$((${EPOCHREALTIME//[!0-9]/} + _wait_limit * 1000000))
	until "$@"; do
		if [ "${EPOCHREALTIME//[!0-9]/}" -ge "$_wait_end" ]; then
			echo "# waited ${_wait_limit} s in vain for: $*" >&2
			return 1
		fi
		sleep 0.1
	done
}

# pid_gone PID: that process has ended (for wait_for).
pid_gone() { ! kill -0 "$1" 2>/dev/null; }

# stop_pid PID: ends that process (nothing when PID is empty) and waits for it.
stop_pid() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null
	wait_for 10 pid_gone "$1"
}

# relay_start DIR [ARGS...]: the loopback SMTP relay (scripts/smtp_relay.py,
# ARGS such as --lda CONF) on a free port, keeping what it takes under DIR;
# sets RELAY_PORT and RELAY_PID and waits until it listens. cleanup stops it.
relay_start() {
	local dir=$1
	shift
	mkdir -p "$dir"
	RELAY_PORT=$(free_port)
	python3 "$(dirname "${BASH_SOURCE[0]}")/../../scripts/smtp_relay.py" "$RELAY_PORT" "$dir" \
		"$@" 2>>"$dir/relay.log" &
	RELAY_PID=$!
	wait_for 30 port_open "$RELAY_PORT"
}

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected '$2', got '$3'"; fi
}

# expect_match DESCRIPTION REGEX TEXT (a here-string, not a pipe: under
# pipefail, printf into a grep -q that stops early would fail the check).
expect_match() {
	if grep -Eq -- "$2" <<<"$3"; then
		pass "$1"
	else
		fail "$1: /$2/ not in: $(printf '%s' "$3" | head -c 600)"
	fi
}

expect_no_match() {
	if grep -Eq -- "$2" <<<"$3"; then
		fail "$1: /$2/ found in: $(printf '%s' "$3" | head -c 600)"
	else
		pass "$1"
	fi
}

finish() {
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
	exit $?
}

# A loopback port nothing listens on now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Holds a port busy in the background until the test ends; prints nothing.
occupy_port() {
	python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); time.sleep(600)' "$1" &
	OCCUPIER=$!
	wait_for 5 port_open "$1"
}

port_open() {
	python3 -c 'import socket,sys; s=socket.socket(); s.settimeout(1); sys.exit(s.connect_ex(("127.0.0.1",int(sys.argv[1]))))' "$1"
}

admin() { "$ADMIN" "$@"; }

daemon_pid() {
	[ -f "$WORK/webmsgd.pid" ] || return 0
	local pid
	pid=$(cat "$WORK/webmsgd.pid" 2>/dev/null)
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
	return 0
}

# A new database listening on a free loopback port ($HTTP_PORT).
new_instance() {
	admin init >/dev/null || { fail "webmsg-admin init"; finish; }
	HTTP_PORT=$(free_port)
	# Served as whoever runs the test (no change of user; root in CI):
	# test_worker_confined.sh is the one that serves as webmsg. First, so
	# that every later version (a revert's target) has them.
	admin config set service.user "$(id -un)" >/dev/null &&
		admin config set service.group "$(id -gn)" >/dev/null &&
		admin config set web.bind 127.0.0.1 >/dev/null &&
		admin config set web.http_port "$HTTP_PORT" >/dev/null ||
		{ fail "configure the instance"; finish; }
}

http_code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# An instance with a key store and a self-signed certificate for 127.0.0.1,
# HTTPS to be on $HTTPS_PORT (SSL not enabled yet).
new_cert_instance() {
	new_instance
	HTTPS_PORT=$(free_port)
	mkdir -m 700 "$WORK/ssl"
	admin config set web.https_port "$HTTPS_PORT" >/dev/null &&
		admin ssl keystore "$WORK/ssl" >/dev/null &&
		admin ssl selfsign --cn localhost --san 127.0.0.1 >/dev/null ||
		{ fail "make a certificate"; finish; }
}

# The same with SSL enabled.
new_ssl_instance() {
	new_cert_instance
	admin ssl enable >/dev/null || { fail "enable SSL"; finish; }
}

# The SHA-256 fingerprint of the certificate the HTTPS port presents.
served_fingerprint() {
	openssl s_client -connect "127.0.0.1:${1:-$HTTPS_PORT}" </dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256 2>/dev/null | sed 's/.*=//'
}

# gnutls_handshake PRIORITY [more gnutls-cli options]: 0 when a handshake completes.
gnutls_handshake() {
	local prio=$1
	shift
	timeout 10 gnutls-cli --insecure --priority "$prio" --port "$HTTPS_PORT" "$@" 127.0.0.1 \
		</dev/null >/dev/null 2>&1
}

# refused PRIORITY: 0 when no handshake completes with that priority string.
refused() { ! gnutls_handshake "$@"; }

# A user with a password: add_user ADDRESS PASSWORD (the domain is added when missing).
add_user() {
	admin domain add "${1#*@}" >/dev/null 2>&1
	printf '%s\n' "$2" | admin user add "$1" >/dev/null
}

# The logon form's CSRF token from a page.
csrf_of() { grep -o 'name="csrf" value="[^"]*"' "$1" | head -1 | sed 's/.*value="//; s/"$//'; }

# logon JAR BASE USER PASSWORD [curl options...]: prints the status code and
# where it redirects; the cookies land in JAR.
logon() {
	local jar=$1 base=$2 user=$3 pass=$4
	shift 4
	curl -s -c "$jar" -b "$jar" "$@" "$base/" -o "$WORK/logon-form.html"
	curl -s -c "$jar" -b "$jar" "$@" --data-urlencode "csrf=$(csrf_of "$WORK/logon-form.html")" \
		--data-urlencode "user=$user" --data-urlencode "password=$pass" \
		${LOGON_EXTRA:+--data-urlencode "$LOGON_EXTRA"} \
		-o "$WORK/logon-answer.html" -w '%{http_code} %{redirect_url}' "$base/logon"
}

# The value of a cookie in a curl cookie jar.
cookie_of() { awk -v n="$2" '$6 == n { v = $7 } END { print v }' "$1"; }
