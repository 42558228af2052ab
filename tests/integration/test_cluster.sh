#!/usr/bin/env bash
# Two webmsgd front ends, A and B (each its own configuration database and
# port; B given A's settings the documented way, config export
# --with-secrets then config import), on one real Dovecot (mail.store imap)
# and one real Redis (session.store redis), as behind a load balancer with
# no sticky sessions: a logon through A continues on B with the same cookie;
# a message sent on B to another Dovecot user is in Sent on A and in the
# recipient's INBOX (doveadm fetch); A killed (SIGKILL) after a draft was
# saved on it, the user goes on on B, still logged on, the draft and its
# attachment there. Redis or Dovecot stopping, and IMAP servers that stall
# or answer garbage, are test_session_redis.sh's, test_imap_logon.sh's and
# test_imap_store.sh's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"
. "$(dirname "$0")/redis.sh"

RELAY_PID=
B="$WORK/b/webmsg.db"
b_admin() { WEBMSG_CONFIG="$B" "$ADMIN" "$@"; }
trap 'stop_pid "$(cat "$WORK/b/webmsgd.pid" 2>/dev/null)"; redis_stop; dovecot_stop; cleanup' EXIT

ALICE_PW='Alice at Dovecot 1'
dovecot_user alice@example.org "$ALICE_PW"
dovecot_user bob@example.org 'Bob at Dovecot 2'
check "Dovecot starts" dovecot_start || finish
printf 'Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nFrom: Carol <carol@example.org>\r\nTo: alice@example.org\r\nSubject: Waiting in Dovecot\r\nMessage-ID: <cluster-1@test>\r\n\r\nhello\r\n' |
	dovecot_adm save -u alice@example.org -m INBOX

check "Redis starts" redis_start || finish

# The site's mail server: the loopback relay, delivering into Dovecot.
check "the relay starts" relay_start "$WORK/relay" --lda "$DOVECOT_DIR/dovecot.conf" --lifetime 500 || finish

# A: the model.
new_instance
dovecot_use_store &&
	admin config set session.store redis >/dev/null &&
	admin config set session.redis "unix:$REDIS_SOCK" >/dev/null &&
	admin config set smtp.relay "smtp://127.0.0.1:$RELAY_PORT" >/dev/null &&
	admin config set smtp.tls none >/dev/null || { fail "configure A"; finish; }
# B: a database of its own (with its own session.secret from init), A's
# settings imported, its own port.
mkdir -m 711 "$WORK/b"
b_admin init >/dev/null || { fail "init B"; finish; }
admin config export "$WORK/a.cfg" --with-secrets 2>/dev/null || fail "export A's settings"
out=$(b_admin config import "$WORK/a.cfg" 2>&1)
expect_eq "B imports A's settings" 0 "$?"
expect_no_match "B keeps no session.secret of its own (nothing sealed with it yet)" \
	'session.secret: the file has another value; kept' "$out"
B_PORT=$(free_port)
b_admin config set web.http_port "$B_PORT" >/dev/null || fail "B's port"
expect_eq "config diff: B differs from A only in its port" \
	"web.http_port" "$(b_admin config diff "$WORK/a.cfg" 2>/dev/null | awk 'NR > 1 { print $1 }')"
admin service start >/dev/null || { fail "A starts"; finish; }
b_admin service start >/dev/null || { fail "B starts"; finish; }
a="http://127.0.0.1:$HTTP_PORT"
b="http://127.0.0.1:$B_PORT"
jar=$WORK/alice

# reads_inbox BASE: 0 when the jar's session shows alice's INBOX there.
reads_inbox() {
	local page
	page=$(curl -s -b "$jar" "$1/mail")
	grep -q 'Waiting in Dovecot' <<<"$page" && ! grep -q 'name="password"' <<<"$page"
}

# --- logon through A, the same cookie on B
out=$(logon "$jar" "$a" alice@example.org "$ALICE_PW")
expect_eq "alice logs on through A" "303 $a/mail" "$out"
check "A shows her INBOX in Dovecot" reads_inbox "$a"
check "B shows it with the same cookie" reads_inbox "$b"
expect_match "B's page is hers" 'alice@example\.org' "$(curl -s -b "$jar" "$b/mail")"

# --- send on B (the compose form from A: a form carries over too)
csrf=$(csrf_of <(curl -s -b "$jar" "$a/mail/compose"))
out=$(curl -s -b "$jar" -o "$WORK/sent.html" -w '%{http_code} %{redirect_url}' -F "csrf=$csrf" \
	-F kind=new -F draft= -F "to=Bob <bob@example.org>" -F "subject=Sent on B" \
	-F "body=Written on A's form, sent on B." -F op=send "$b/mail/send")
expect_eq "a message to bob sent on B is queued for the site's mail server" \
	"303 $b/mail?f=INBOX&n=queued" "$out"
expect_match "it is in Sent on A" 'Sent on B' "$(curl -s -b "$jar" "$a/mail?f=Sent")"
in_bobs_inbox() {
	dovecot_adm fetch -u bob@example.org hdr.subject mailbox INBOX 2>/dev/null | grep -q 'Sent on B'
}
check "and in bob's INBOX in Dovecot (doveadm fetch)" wait_for 60 in_bobs_inbox
expect_match "from alice" 'alice@example\.org' \
	"$(dovecot_adm fetch -u bob@example.org hdr.from mailbox INBOX 2>/dev/null)"

# --- a draft saved on A, then A killed: B goes on with it
printf 'Notes for the meeting.\n' >"$WORK/notes.txt"
csrf=$(csrf_of <(curl -s -b "$jar" "$a/mail/compose"))
code=$(curl -s -b "$jar" -o /dev/null -w '%{http_code}' -F "csrf=$csrf" -F kind=new -F draft= \
	-F "to=bob@example.org" -F "subject=Draft saved on A" -F "body=Typed on A before it died." \
	-F "attachment=@$WORK/notes.txt;filename=notes.txt;type=text/plain" -F op=save "$a/mail/send")
check "the draft is saved on A ($code)" test "$code" = 200 -o "$code" = 303
in_drafts() {
	dovecot_adm fetch -u alice@example.org hdr.subject mailbox Drafts 2>/dev/null |
		grep -q 'Draft saved on A'
}
check "it is in her Drafts in Dovecot" in_drafts
pid_a=$(daemon_pid)
check "A is running" test -n "$pid_a"
kill -KILL "$pid_a"
a_gone() { ! kill -0 "$pid_a" 2>/dev/null && ! port_open "$HTTP_PORT"; }
check "A is killed (SIGKILL) and its port closed" wait_for 30 a_gone
check "on B alice is still logged on" reads_inbox "$b"
drafts=$(curl -s -b "$jar" "$b/mail?f=Drafts")
expect_match "B lists the draft saved on A" 'Draft saved on A' "$drafts"
url=$(grep -o 'href="[^"]*">Draft saved on A' <<<"$drafts" | sed 's/^href="//; s/">.*//; s/&amp;/\&/g')
check "the draft has a link" test -n "$url"
draft=$(curl -s -b "$jar" "$b$url")
expect_match "it opens on B with its text" 'Typed on A before it died\.' "$draft"
expect_match "and its attachment" 'notes\.txt' "$draft"
expect_eq "B still serves" 200 "$(http_code -b "$jar" "$b/mail")"
finish
