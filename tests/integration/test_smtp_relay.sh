#!/usr/bin/env bash
# Sending to other hosts through smtp.relay: the page answers "queued" once the
# message is spooled, and the outbox hands it to the relay with every recipient
# (Bcc too, but not in the headers); a copy lands in Sent. Without a relay the
# reason comes back and the draft is kept; a relay that is down gets the
# message once it is back; a relay that refuses it returns it to the sender.
. "$(dirname "$0")/lib.sh"
new_instance
add_user ann@example.org 'Ann-pass-1'
add_user bob@example.org 'Bob-pass-2'
admin config set smtp.retry_delay 1 >/dev/null
admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"
jar=$WORK/jar
maildir=$WORK/mail/example.org
relay_dir=$WORK/relay
mkdir -p "$relay_dir"

RELAY_PORT=$(free_port)
start_relay() {
	python3 "$(dirname "$0")/../../scripts/smtp_relay.py" "$RELAY_PORT" "$relay_dir" 2>/dev/null &
	relay=$!
	wait_for 5 port_open "$RELAY_PORT"
}
relay_has() { grep -q -- "$1" "$relay_dir/relay.out" 2>/dev/null; }
outbox_empty() { [ -z "$(ls "$WORK/outbox" | grep -v '^tmp$')" ]; }
start_relay

logon "$jar" "$base" ann@example.org Ann-pass-1 >/dev/null
csrf=$(csrf_of <(curl -s -b "$jar" "$base/mail/compose"))
send() { curl -s -b "$jar" -F "csrf=$csrf" "$@" -o "$WORK/sent.html" -w '%{http_code} %{redirect_url}' "$base/mail/send"; }

out=$(send -F "to=carol@elsewhere.example" -F "subject=Outside" -F "body=Hello from afar")
expect_eq "without a relay, mail to another host is refused" 422 "${out%% *}"
expect_match "with the reason" 'no mail server for it is configured' "$(cat "$WORK/sent.html")"
expect_match "and what was typed comes back in the form" 'value="carol@elsewhere.example"' "$(cat "$WORK/sent.html")"
check "the draft is kept in Drafts" bash -c "grep -l 'Hello from afar' $maildir/ann/.Drafts/cur/* >/dev/null"

admin config set smtp.relay "smtp://127.0.0.1:$RELAY_PORT" >/dev/null
admin config set smtp.tls none >/dev/null
out=$(send -F "to=Carol <carol@elsewhere.example>, bob@example.org" -F "bcc=dave@far.example" \
	-F "subject=Grüße" -F "body=Hello from afar, with ümlauts")
expect_eq "with a relay it is queued" "303 $base/mail?f=INBOX&n=queued" "$out"
expect_match "and the mailbox says so" 'Your message was queued for delivery' \
	"$(curl -s -b "$jar" "$base/mail?f=INBOX&n=queued")"
check "the relay gets it" wait_for 30 relay_has 'Subject:'
got=$(cat "$relay_dir/relay.out" 2>/dev/null)
expect_match "the relay got the envelope sender" 'MAIL FROM:ann@example.org' "$got"
expect_match "the relay got the outside recipients, Bcc included" 'RCPT TO:carol@elsewhere.example,dave@far.example' "$got"
expect_no_match "the local recipient did not go through the relay" 'RCPT TO:.*bob@example.org' "$got"
expect_no_match "Bcc is not in the headers" '^Bcc:' "$got"
expect_match "the subject is encoded" 'Subject: =\?(UTF-8|utf-8)\?' "$got"
check "the message is 7-bit" bash -c "! LC_ALL=C grep -q '[^[:print:][:space:]]' $relay_dir/relay.out"
check "bob got it in his Maildir" bash -c "grep -l 'Message-Id\|Message-ID' $maildir/bob/new/* >/dev/null"
check "a copy is in Sent" bash -c "ls $maildir/ann/.Sent/cur/ | grep -q ':2,S'"
check "the outbox is empty once the relay has it" wait_for 10 outbox_empty
check "the outbox folder is private" bash -c "[ \"\$(stat -c %a $WORK/outbox)\" = 700 ]"

# Down: queued all the same, and delivered when the relay is back.
kill "$relay"
wait "$relay" 2>/dev/null
drafts=$(ls "$maildir/ann/.Drafts/cur" | wc -l)
out=$(send -F "to=carol@elsewhere.example" -F "subject=Relay down" -F "body=Kept safe")
expect_eq "a relay that is down: queued" "303 $base/mail?f=INBOX&n=queued" "$out"
expect_eq "no draft: nothing went wrong for the user" "$drafts" "$(ls "$maildir/ann/.Drafts/cur" | wc -l)"
check "the try that failed is logged with the relay's address" \
	wait_for 20 grep -q "outbox: .*127.0.0.1:$RELAY_PORT" "$WORK/webmsgd.log"
check "it waits in the outbox" bash -c "ls $WORK/outbox/*.env >/dev/null 2>&1"
start_relay
check "once the relay is back, it gets the message" wait_for 30 relay_has 'Subject: Relay down'
check "and the outbox empties" wait_for 10 outbox_empty

# Refused: back to the sender, with the reason and the message.
touch "$relay_dir/refuse"
out=$(send -F "to=nobody@elsewhere.example" -F "subject=Will bounce" -F "body=Refused text")
expect_eq "a message the relay will refuse is queued too" "303 $base/mail?f=INBOX&n=queued" "$out"
bounced() { grep -l 'Undelivered mail returned to sender' "$maildir"/ann/new/* >/dev/null 2>&1; }
check "the refusal comes back to the sender's Inbox" wait_for 30 bounced
bounce=$(cat $(grep -l 'Undelivered mail returned to sender' "$maildir"/ann/new/*) 2>/dev/null)
expect_match "naming the recipient" 'nobody@elsewhere.example' "$bounce"
expect_match "and the relay's answer" 'refused it \(SMTP reply 550\)' "$bounce"
expect_match "with the message attached" 'Subject: Will bounce' "$bounce"
expect_no_match "without the relay's address" "127.0.0.1:$RELAY_PORT" "$bounce"
check "and the outbox empties" wait_for 10 outbox_empty
kill "$relay" 2>/dev/null
wait "$relay" 2>/dev/null
finish
