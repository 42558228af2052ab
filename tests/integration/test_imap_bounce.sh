#!/usr/bin/env bash
# Sending with mail.store imap against a real Dovecot, through the loopback
# relay delivering into it (dovecot-lda): a message reaches the recipient's
# INBOX and the sender's Sent; a message the relay refuses comes back to the
# sender's IMAP INBOX as a report from the null sender <>, through the relay
# (no local Maildir, which no IMAP user sees); and a report the relay refuses
# in turn is never returned again: it stays in the outbox for the
# administrator.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"

dovecot_user ann@example.org 'Ann-imap-1'
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
admin service start >/dev/null || { fail "webmsgd starts"; finish; }
base="http://127.0.0.1:$HTTP_PORT"
jar=$WORK/jar

# fetch USER FOLDER: the text of every message in that Dovecot folder.
fetch() { dovecot_adm fetch -u "$1" text mailbox "$2" 2>/dev/null; }
has() { fetch "$1" "$2" | grep -q -- "$3"; }
reports() { fetch ann@example.org INBOX | grep -c '^Subject: Undelivered mail returned to sender' || true; }
outbox_empty() { [ -z "$(ls "$WORK/outbox" | grep -v '^tmp$')" ]; }
logged() { grep -q -- "$1" "$WORK/webmsgd.log"; }

out=$(logon "$jar" "$base" ann@example.org 'Ann-imap-1')
expect_eq "ann logs on with her Dovecot password" "303 $base/mail" "$out"
csrf=$(csrf_of <(curl -s -b "$jar" "$base/mail/compose"))
send() { curl -s -b "$jar" -F "csrf=$csrf" "$@" -o "$WORK/sent.html" -w '%{http_code} %{redirect_url}' "$base/mail/send"; }

# --- a message for a user of the IMAP site: the relay delivers it into Dovecot.
out=$(send -F "to=bob@example.org" -F "subject=Through the relay" -F "body=Hello Bob")
expect_eq "sending answers: queued" "303 $base/mail?f=INBOX&n=queued" "$out"
check "it reaches bob's INBOX on Dovecot" wait_for 60 has bob@example.org INBOX 'Subject: Through the relay'
check "with its text" has bob@example.org INBOX 'Hello Bob'
check "a copy is in ann's Sent on Dovecot" has ann@example.org Sent 'Subject: Through the relay'
check "and the outbox empties" wait_for 20 outbox_empty

# --- a recipient the relay refuses (Dovecot has no such user): a report to ann's IMAP INBOX.
out=$(send -F "to=nobody@example.org" -F "subject=Will bounce" -F "body=Refused text")
expect_eq "a message the relay will refuse is queued too" "303 $base/mail?f=INBOX&n=queued" "$out"
check "the report arrives in ann's INBOX on Dovecot" wait_for 60 has ann@example.org INBOX \
	'Undelivered mail returned to sender'
report=$(fetch ann@example.org INBOX)
expect_match "from the mail delivery system" 'From: Mail Delivery System <MAILER-DAEMON@example.org>' "$report"
expect_match "naming the recipient" 'nobody@example.org' "$report"
expect_match "with the relay's answer" 'refused it \(SMTP reply 550\)' "$report"
expect_match "with the message attached" 'Subject: Will bounce' "$report"
expect_no_match "without the relay's address" "127.0.0.1:$RELAY_PORT" "$report"
expect_match "it went to the relay from the null sender" 'outbox: [^ ]* queued from <> for 1 recipient' \
	"$(cat "$WORK/webmsgd.log")"
expect_match "ann sees it in her mailbox page" 'Undelivered mail returned to sender' \
	"$(curl -s -b "$jar" "$base/mail")"
check "no report was written into a local Maildir" \
	bash -c "! grep -rlq 'Undelivered mail' '$WORK/mail' 2>/dev/null"
check "and the outbox empties" wait_for 20 outbox_empty

# --- the relay refuses everything: the message's report is refused in turn
# and is never returned again; it waits in the outbox for the administrator.
touch "$relay_dir/refuse"
out=$(send -F "to=bob@example.org" -F "subject=Refused twice" -F "body=Nobody takes it")
expect_eq "queued" "303 $base/mail?f=INBOX&n=queued" "$out"
check "the refused report is logged for the administrator" wait_for 60 logged \
	'reports are never returned: it stays in the folder for the administrator'
expect_eq "two reports went from <> in all, none for the refused report" 2 \
	"$(grep -c 'queued from <> for' "$WORK/webmsgd.log")"
kept=$(cat "$WORK"/outbox/*.env 2>/dev/null)
expect_match "the report waits in the outbox" 'from <>' "$kept"
expect_match "addressed to ann" 'to ann@example.org' "$kept"
expect_eq "one envelope is kept: the report's, not the message's" 1 \
	"$(ls "$WORK"/outbox/*.env 2>/dev/null | wc -l)"
expect_eq "ann's INBOX has one report still" 1 "$(reports)"
expect_no_match "bob never got it" 'Refused twice' "$(fetch bob@example.org INBOX)"

finish
