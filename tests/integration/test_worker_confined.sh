#!/usr/bin/env bash
# The worker's confinement on the real daemon started as root with
# service.user webmsg: the process that holds a client's connection is not
# the parent, serves as webmsg (uid and gid), has no new privileges and a
# seccomp filter, holds no handle on the database or a key file, and logon
# and reading mail work under it, and so does queueing mail for another host.
# The mail folder and the outbox are webmsg's; the database and the key store
# stay root's, 0600 and 0700.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "skip - the change of user needs the daemon started as root (CI runs as root)"
	finish
fi
# The service user as the install makes it, when this machine lacks it.
"$(dirname "$0")/../../scripts/deps.sh" user >/dev/null || { fail "make the webmsg user"; finish; }
uid=$(id -u webmsg)
gid=$(getent group webmsg | cut -d: -f3)

new_ssl_instance
# The throw-away folder is root's 0700: webmsg may pass through it, as it
# passes through /var/lib/webmsg, without listing it.
chmod 711 "$WORK"
admin config set service.user webmsg >/dev/null && admin config set service.group webmsg >/dev/null ||
	{ fail "serve as webmsg"; finish; }
# A relay nobody listens on: a message for another host is queued all the same.
admin config set smtp.relay "smtp://127.0.0.1:$(free_port)" >/dev/null &&
	admin config set smtp.tls none >/dev/null || { fail "configure a relay"; finish; }
add_user ann@example.org 'Ann-pass-1'
out=$(admin service start 2>&1) || { fail "webmsgd starts as root with service.user webmsg: $out"; finish; }
parent=$(daemon_pid)
base="http://127.0.0.1:$HTTP_PORT"
jar=$WORK/jar

expect_eq "the mail folder is webmsg's" "webmsg webmsg" "$(stat -c '%U %G' "$WORK/mail")"
expect_eq "the database stays root's, 0600" "root 600" "$(stat -c '%U %a' "$WORK/webmsg.db")"
expect_eq "the key store stays root's, 0700" "root 700" "$(stat -c '%U %a' "$WORK/ssl")"

# Logon and reading mail work under the confinement.
out=$(logon "$jar" "$base" ann@example.org Ann-pass-1)
expect_eq "ann logs on" "303 $base/mail" "$out"
curl -s -b "$jar" -o /dev/null "$base/mail" # makes her Maildir, as webmsg
new=$WORK/mail/example.org/ann/new
[ -d "$new" ] || { fail "ann's Maildir is made"; finish; }
expect_eq "her Maildir is made as webmsg" webmsg "$(stat -c %U "$new")"
# Delivered as an MTA serving virtual users does: as the mail's owner.
printf 'From: bob@example.org\nSubject: Confined hello\n\nRead by an unprivileged worker.\n' \
	>"$WORK/hello.eml"
chown webmsg:webmsg "$WORK/hello.eml"
mv "$WORK/hello.eml" "$new/1700000001.hello.host"
list=$(curl -s -b "$jar" "$base/mail?f=INBOX")
url=$(printf '%s' "$list" | grep -o 'href="/mail/read[^"]*">Confined hello' | sed 's/^href="//; s/">.*//; s/&amp;/\&/g')
[ -n "$url" ] || fail "the message is listed"
expect_match "the message reads" 'Read by an unprivileged worker' "$(curl -s -b "$jar" "$base$url")"

# The worker writes a message for another host into the outbox's tmp/ first.
csrf=$(csrf_of <(curl -s -b "$jar" "$base/mail/compose"))
out=$(curl -s -b "$jar" -o /dev/null -w '%{http_code} %{redirect_url}' -F "csrf=$csrf" \
	-F "to=carol@elsewhere.example" -F "subject=Confined outbound" -F "body=Queued by webmsg." \
	-F op=send "$base/mail/send")
expect_eq "a message for another host is queued" "303 $base/mail?f=INBOX&n=queued" "$out"
expect_eq "the outbox and its tmp/ are webmsg's" "webmsg webmsg" \
	"$(stat -c '%U' "$WORK/outbox" "$WORK/outbox/tmp" | tr '\n' ' ' | sed 's/ $//')"

# A connection held open (its headers unfinished, within web.header_timeout)
# to find the process serving it.
python3 - "$HTTP_PORT" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
time.sleep(8)
PY
holder=$!
worker=
held() {
	worker=$(ss -Htnp state established "( sport = :$HTTP_PORT )" 2>/dev/null |
		grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
	[ -n "$worker" ]
}
wait_for 5 held
[ -n "$worker" ] || { fail "ss shows the process holding the connection"; kill "$holder"; finish; }
status=$(cat "/proc/$worker/status")
check "the connection is held by a worker, not the parent ($parent)" test "$worker" != "$parent"
expect_match "the worker serves as webmsg (uid)" "^Uid:	$uid	$uid	$uid	$uid$" "$status"
expect_match "the worker serves as webmsg (gid)" "^Gid:	$gid	$gid	$gid	$gid$" "$status"
expect_match "the worker has no new privileges" '^NoNewPrivs:	1$' "$status"
expect_match "the worker runs under a seccomp filter" '^Seccomp:	2$' "$status"
expect_match "the worker has no capability" '^CapEff:	0+$' "$status"
fds=$(for f in /proc/"$worker"/fd/*; do readlink "$f"; done 2>/dev/null)
expect_no_match "the worker holds no handle on the database" "webmsg\.db" "$fds"
expect_no_match "the worker holds no key store file" "^$WORK/ssl" "$fds"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null

expect_eq "the parent is still the daemon" "$parent" "$(daemon_pid)"
finish
