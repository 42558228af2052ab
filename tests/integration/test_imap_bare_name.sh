#!/usr/bin/env bash
# A Dovecot user whose logon name has no @ ("ann") under mail.store imap:
# without mail.imap_sender_domain the compose page says no sender address is
# known and names the setting, and a message posted anyway is not queued;
# with it, the message goes out through the relay from ann@DOMAIN and is
# delivered (dovecot-lda) into the recipient's INBOX with that From.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"

dovecot_user ann 'Ann-bare-1'
dovecot_user bob@example.org 'Bob-imap-2'
check "Dovecot starts" dovecot_start || finish

relay_dir=$WORK/relay
check "the relay starts" relay_start "$relay_dir" --lda "$DOVECOT_DIR/dovecot.conf" || finish

new_instance
dovecot_use_store -t 10 &&
	admin config set smtp.relay "smtp://127.0.0.1:$RELAY_PORT" >/dev/null &&
	admin config set smtp.tls none >/dev/null &&
	admin config set smtp.timeout 20 >/dev/null &&
	admin config set smtp.retry_delay 1 >/dev/null ||
	{ fail "configure mail.store imap and the relay"; finish; }
check "a sender domain that is no domain is refused" \
	bash -c "! '$ADMIN' config set mail.imap_sender_domain 'a b' >/dev/null 2>&1"
admin service start >/dev/null || { fail "webmsgd starts"; finish; }
base="http://127.0.0.1:$HTTP_PORT"
jar=$WORK/jar

fetch() { dovecot_adm fetch -u "$1" text mailbox "$2" 2>/dev/null; }
has() { fetch "$1" "$2" | grep -q -- "$3"; }
queued_files() { find "$WORK/outbox" -type f ! -path '*/tmp/*' 2>/dev/null | wc -l; }
outbox_empty() { [ "$(queued_files)" -eq 0 ]; }

out=$(logon "$jar" "$base" ann 'Ann-bare-1')
expect_eq "ann logs on with her bare Dovecot name" "303 $base/mail" "$out"
compose=$(curl -s -b "$jar" "$base/mail/compose")
csrf=$(csrf_of <(printf '%s' "$compose"))
send() { curl -s -b "$jar" -F "csrf=$csrf" -F kind=new -F draft= -F op=send "$@" \
	-o "$WORK/sent.html" -w '%{http_code} %{redirect_url}' "$base/mail/send"; }

# --- no sender domain: said on the compose page, and nothing goes out.
expect_match "the compose page says no sender address is known" \
	'no sender address is known for ann: ask the administrator to set mail.imap_sender_domain' \
	"$compose"
out=$(send -F "to=bob@example.org" -F "subject=Without a domain" -F "body=Nobody gets this")
expect_eq "sending answers with the form again" "422 " "$out"
expect_match "which says why" 'mail.imap_sender_domain' "$(cat "$WORK/sent.html")"
expect_eq "nothing is queued" 0 "$(queued_files)"
expect_no_match "nothing reached the relay" 'Without a domain' \
	"$(cat "$relay_dir"/* 2>/dev/null; fetch bob@example.org INBOX)"
expect_match "and keeps what was typed" 'Nobody gets this' "$(cat "$WORK/sent.html")"

# --- with the setting (applied by a reload): the message goes from ann@example.org.
admin config set mail.imap_sender_domain example.org >/dev/null &&
	admin service reload >/dev/null || fail "mail.imap_sender_domain is set and served"
sender_shown() { curl -s -b "$jar" "$base/mail/compose" | grep -q 'ann@example.org'; }
check "the compose page shows ann@example.org as the sender" wait_for 30 sender_shown
compose=$(curl -s -b "$jar" "$base/mail/compose")
expect_no_match "and no longer says it is unknown" 'no sender address is known' "$compose"
csrf=$(csrf_of <(printf '%s' "$compose"))
out=$(send -F "to=bob@example.org" -F "subject=With a domain" -F "body=Hello Bob from ann")
expect_eq "sending answers: queued" "303 $base/mail?f=INBOX&n=queued" "$out"
check "it reaches bob's INBOX on Dovecot" wait_for 60 has bob@example.org INBOX 'Subject: With a domain'
got=$(fetch bob@example.org INBOX)
expect_match "its From is ann@example.org" 'From: .*ann@example\.org' "$got"
expect_match "with its text" 'Hello Bob from ann' "$got"
check "a copy is in ann's Sent" has ann Sent 'Subject: With a domain'
check "and the outbox empties" wait_for 20 outbox_empty
expect_match "admin service status names the sender domain" 'sender domain: *example.org' \
	"$(admin service status 2>&1)"

finish
