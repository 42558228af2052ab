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

# dovecot_user NAME PASSWORD: a user of the passwd-file (before or after the start).
dovecot_user() {
	mkdir -p "$DOVECOT_DIR/home/$1"
	[ "$(id -u)" -ne 0 ] || chown nobody: "$DOVECOT_DIR/home/$1"
	printf '%s:{PLAIN}%s::::::\n' "$1" "$2" >>"$DOVECOT_DIR/users"
}

dovecot_start() {
	mkdir -p "$DOVECOT_DIR/run" "$DOVECOT_DIR/state" "$DOVECOT_DIR/home"
	touch "$DOVECOT_DIR/users"
	DOVECOT_IMAP_PORT=$(free_port)
	DOVECOT_IMAPS_PORT=$(free_port)
	# A certificate for 127.0.0.1 and localhost, which is its own CA.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
		-keyout "$DOVECOT_DIR/key.pem" -out "$DOVECOT_DIR/cert.pem" 2>/dev/null || return 1
	DOVECOT_CA="$DOVECOT_DIR/cert.pem"
	# Dovecot runs neither its login processes nor mail access as root:
	# as root (CI), they are Debian's dovenull and dovecot users and the mail
	# is nobody's; as anyone else, all of it is that user.
	local user group login mail_uid mail_gid
	user=$(id -un)
	group=$(id -gn)
	login=$user
	mail_uid=$(id -u)
	mail_gid=$(id -g)
	if [ "$(id -u)" -eq 0 ]; then
		user=dovecot
		group=dovecot
		login=dovenull
		mail_uid=$(id -u nobody)
		mail_gid=$(id -g nobody)
		chmod o+x "$WORK" "$DOVECOT_DIR"
		chown -R "$mail_uid:$mail_gid" "$DOVECOT_DIR/home"
	fi
	cat >"$DOVECOT_DIR/dovecot.conf" <<EOF
base_dir = $DOVECOT_DIR/run
state_dir = $DOVECOT_DIR/state
instance_name = webmsg-test-$$
log_path = $DOVECOT_DIR/dovecot.log
info_log_path = $DOVECOT_DIR/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = $user
default_internal_group = $group
default_login_user = $login
ssl = yes
ssl_cert = <$DOVECOT_DIR/cert.pem
ssl_key = <$DOVECOT_DIR/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DOVECOT_DIR/users
}
userdb {
  driver = static
  args = uid=$mail_uid gid=$mail_gid home=$DOVECOT_DIR/home/%u
}
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = .
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $DOVECOT_IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $DOVECOT_IMAPS_PORT
    ssl = yes
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-reader {
    mode = 0600
  }
  unix_listener stats-writer {
    mode = 0600
  }
}
EOF
	"$DOVECOT" -F -c "$DOVECOT_DIR/dovecot.conf" >>"$DOVECOT_DIR/dovecot.log" 2>&1 &
	DOVECOT_PID=$!
	# Up when it greets on both ports (bounded: a busy machine gets 30 s).
	for _ in $(seq 300); do
		kill -0 "$DOVECOT_PID" 2>/dev/null || break
		if port_open "$DOVECOT_IMAP_PORT" && port_open "$DOVECOT_IMAPS_PORT" &&
			dovecot_greets; then
			return 0
		fi
		sleep 0.1
	done
	echo "--- dovecot.log"
	tail -n 30 "$DOVECOT_DIR/dovecot.log" 2>/dev/null
	return 1
}

# The plain port answers with an IMAP greeting.
dovecot_greets() {
	python3 - "$DOVECOT_IMAP_PORT" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
sys.exit(0 if s.recv(200).startswith(b"* OK") else 1)
EOF
}

dovecot_stop() {
	[ -n "$DOVECOT_PID" ] || return 0
	kill "$DOVECOT_PID" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$DOVECOT_PID" 2>/dev/null || break; sleep 0.1; done
	DOVECOT_PID=
	# Its imap processes end a moment after the master: stopped means no
	# client connection is still served.
	for _ in $(seq 100); do
		[ -z "$(ss -Htn state established "( sport = :$DOVECOT_IMAP_PORT or sport = :$DOVECOT_IMAPS_PORT )" 2>/dev/null)" ] && break
		sleep 0.1
	done
}

# doveadm against this instance (to check what the store did, from the outside).
dovecot_adm() { doveadm -c "$DOVECOT_DIR/dovecot.conf" "$@"; }

trap 'dovecot_stop; cleanup' EXIT
