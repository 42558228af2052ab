#!/usr/bin/env bash
# dovecot.sh - a private Dovecot (Debian's dovecot-imapd) under one folder:
# its own configuration, passwd-file users, Maildirs under DIR/home, a
# self-signed certificate for 127.0.0.1/localhost, log and sockets, listening
# on loopback only. The tests, the benchmarks and scripts/cluster-demo.sh all
# use this one configuration.
#
# As a command:
#   dovecot.sh configure DIR IMAP_PORT IMAPS_PORT   write DIR/dovecot.conf (IMAPS_PORT 0: none)
#     (DOVECOT_METADATA=no in the environment: without IMAP METADATA, where
#     webmsg keeps a user's settings; for the tests of a server without it)
#   dovecot.sh user DIR NAME PASSWORD               add a user (before or after the start)
#   dovecot.sh greets PORT                          exit 0 when PORT answers "* OK"
# Or sourced: dovecot_configure, dovecot_add_user and dovecot_greets.
# Start it with `dovecot -F -c DIR/dovecot.conf`. Run as root, Dovecot's
# login processes and mail access are not root: they are Debian's dovenull
# and dovecot users, and the mail is nobody's.

# The owner of the mail: "uid gid".
dovecot_mail_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		echo "$(id -u nobody) $(id -g nobody)"
	else
		echo "$(id -u) $(id -g)"
	fi
}

dovecot_configure() {
	local dir=$1 imap_port=$2 imaps_port=$3
	local user group login mail_uid mail_gid attributes= metadata=no
	mkdir -p "$dir/run" "$dir/state" "$dir/home"
	# Passwords: readable by Dovecot's auth processes alone.
	touch "$dir/users"
	chmod 600 "$dir/users"
	[ "$(id -u)" -ne 0 ] || { chgrp dovecot "$dir/users" && chmod 640 "$dir/users"; }
	if [ ! -f "$dir/cert.pem" ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
			-subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
			-keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null || return 1
		chmod 600 "$dir/key.pem"
	fi
	read -r mail_uid mail_gid < <(dovecot_mail_owner)
	user=$(id -un) group=$(id -gn) login=$(id -un)
	if [ "$(id -u)" -eq 0 ]; then
		user=dovecot group=dovecot login=dovenull
		# Dovecot's users pass through to their sockets and the mail (and
		# must through DIR's parents: the caller's business).
		chmod o+x "$dir"
		chown -R "$mail_uid:$mail_gid" "$dir/home"
	fi
	# A user's settings and recent recipients (webmsg's server entries,
	# RFC 5464) in a file beside the user's Maildir.
	if [ "${DOVECOT_METADATA:-yes}" != no ]; then
		attributes="mail_attribute_dict = file:%h/dovecot-attributes"
		metadata=yes
	fi
	cat >"$dir/dovecot.conf" <<EOF
base_dir = $dir/run
state_dir = $dir/state
instance_name = webmsg-$(basename "$dir")-$$
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = $user
default_internal_group = $group
default_login_user = $login
ssl = yes
ssl_cert = <$dir/cert.pem
ssl_key = <$dir/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = static
  args = uid=$mail_uid gid=$mail_gid home=$dir/home/%u
}
mail_location = maildir:~/Maildir
$attributes
# Front ends and benchmarks keep many connections of one user from one
# address: more than Dovecot's default 10.
protocol imap {
  mail_max_userip_connections = 200
  imap_metadata = $metadata
}
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
    port = $imap_port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps_port
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
}

dovecot_add_user() {
	local dir=$1 name=$2 password=$3 mail_uid mail_gid
	case "$name$password" in
	*:* | *$'\n'*) echo "dovecot.sh: no ':' or line break in a user name or password" >&2; return 1 ;;
	esac
	mkdir -p "$dir/home/$name/Maildir"/{cur,new,tmp}
	read -r mail_uid mail_gid < <(dovecot_mail_owner)
	[ "$(id -u)" -ne 0 ] || chown -R "$mail_uid:$mail_gid" "$dir/home/$name"
	printf '%s:{PLAIN}%s::::::\n' "$name" "$password" >>"$dir/users"
}

dovecot_greets() {
	python3 - "$1" <<'EOF' 2>/dev/null
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
sys.exit(0 if s.recv(200).startswith(b"* OK") else 1)
EOF
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	cmd=${1:-}
	shift || true
	case "$cmd" in
	configure) [ $# -eq 3 ] && dovecot_configure "$@" ;;
	user) [ $# -eq 3 ] && dovecot_add_user "$@" ;;
	greets) [ $# -eq 1 ] && dovecot_greets "$@" ;;
	*) false ;;
	esac || { sed -n '8,12p' "$0" >&2; exit 2; }
fi
