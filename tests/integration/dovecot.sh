# dovecot.sh - a throw-away Dovecot for the tests of the IMAP mail store:
# Debian's dovecot run as whoever runs the test, on free loopback ports, with
# its own configuration, users, Maildirs, certificate and log under $WORK.
# Source it after lib.sh; dovecot_start sets DOVECOT_IMAP_PORT (plain and
# STARTTLS), DOVECOT_IMAPS_PORT (implicit TLS), DOVECOT_CA (the certificate
# to trust) and DOVECOT_DIR; the test's exit stops it.
command -v dovecot >/dev/null || [ -x /usr/sbin/dovecot ] ||
	{ echo "dovecot is not installed (scripts/deps.sh test installs dovecot-imapd)"; exit 1; }
DOVECOT=$(command -v dovecot || echo /usr/sbin/dovecot)
DOVECOT_DIR="$WORK/dovecot"
DOVECOT_PID=

. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/dovecot.sh"

# dovecot_user NAME PASSWORD: a user of the passwd-file (before or after the start).
dovecot_user() { dovecot_add_user "$DOVECOT_DIR" "$@"; }

dovecot_start() {
	DOVECOT_IMAP_PORT=$(free_port)
	DOVECOT_IMAPS_PORT=$(free_port)
	DOVECOT_CA="$DOVECOT_DIR/cert.pem"
	[ "$(id -u)" -ne 0 ] || chmod o+x "$WORK"
	dovecot_configure "$DOVECOT_DIR" "$DOVECOT_IMAP_PORT" "$DOVECOT_IMAPS_PORT" || return 1
	"$DOVECOT" -F -c "$DOVECOT_DIR/dovecot.conf" >>"$DOVECOT_DIR/dovecot.log" 2>&1 &
	DOVECOT_PID=$!
	# Up when it greets on both ports (bounded: a busy machine gets 30 s).
	wait_for 30 dovecot_up && return 0
	echo "--- dovecot.log"
	tail -n 30 "$DOVECOT_DIR/dovecot.log" 2>/dev/null
	return 1
}

# dovecot_up: the started Dovecot greets on both ports.
dovecot_up() {
	port_open "$DOVECOT_IMAP_PORT" && port_open "$DOVECOT_IMAPS_PORT" &&
		dovecot_greets "$DOVECOT_IMAP_PORT"
}

# dovecot_idle: no client connection to either port is still served.
dovecot_idle() {
	[ -z "$(ss -Htn state established "( sport = :$DOVECOT_IMAP_PORT or sport = :$DOVECOT_IMAPS_PORT )" 2>/dev/null)" ]
}

dovecot_stop() {
	[ -n "$DOVECOT_PID" ] || return 0
	kill "$DOVECOT_PID" 2>/dev/null
	wait_for 10 pid_gone "$DOVECOT_PID"
	DOVECOT_PID=
	# Its imap processes end a moment after the master: stopped means no
	# client connection is still served.
	wait_for 10 dovecot_idle
}

# dovecot_use_store [-s HOST:PORT] [-t SECONDS] [implicit|starttls|none]: the
# instance of $WEBMSG_CONFIG keeps its mail on this Dovecot (mail.store imap).
# TLS implicit (the default) goes to the IMAPS port, starttls and none to the
# IMAP port, unless -s names another server (a name, a proxy); the CA is
# Dovecot's certificate whenever TLS is on. -t sets mail.imap_timeout.
dovecot_use_store() {
	local server="" timeout="" tls opt OPTIND=1
	while getopts s:t: opt; do
		case $opt in
		s) server=$OPTARG ;;
		t) timeout=$OPTARG ;;
		*) return 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	tls=${1:-implicit}
	if [ -z "$server" ]; then
		case $tls in
		implicit) server="127.0.0.1:$DOVECOT_IMAPS_PORT" ;;
		*) server="127.0.0.1:$DOVECOT_IMAP_PORT" ;;
		esac
	fi
	admin config set mail.imap_server "$server" >/dev/null &&
		admin config set mail.imap_tls "$tls" >/dev/null || return 1
	if [ "$tls" != none ]; then
		admin config set mail.imap_ca_file "$DOVECOT_CA" >/dev/null || return 1
	fi
	admin config set mail.store imap >/dev/null || return 1
	[ -z "$timeout" ] || admin config set mail.imap_timeout "$timeout" >/dev/null
}

# doveadm against this instance (to check what the store did, from the outside).
dovecot_adm() { doveadm -c "$DOVECOT_DIR/dovecot.conf" "$@"; }

trap 'dovecot_stop; cleanup' EXIT
