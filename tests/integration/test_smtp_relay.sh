#!/usr/bin/env bash
# Sending to other hosts through smtp.relay: the message reaches the relay
# with every recipient (Bcc too, but not in the headers), a copy lands in Sent;
# a relay that is down gives the reason and the draft is kept.
. "$(dirname "$0")/lib.sh"
new_instance
add_user ann@example.org 'Ann-pass-1'
add_user bob@example.org 'Bob-pass-2'
admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"
jar=$WORK/jar
maildir=$WORK/mail/example.org

# A relay on loopback that writes what it receives into a file.
RELAY_PORT=$(free_port)
python3 - "$RELAY_PORT" "$WORK/relay.out" <<'PY' 2>/dev/null &
import asyncore, smtpd, sys, warnings
warnings.simplefilter("ignore")
class Relay(smtpd.SMTPServer):
    def process_message(self, peer, mailfrom, rcpttos, data, **kw):
        with open(sys.argv[2], "a") as f:
            f.write("MAIL FROM:%s\nRCPT TO:%s\n%s\n.\n" % (mailfrom, ",".join(rcpttos), data.decode(errors="replace")))
Relay(("127.0.0.1", int(sys.argv[1])), None, decode_data=False)
asyncore.loop(timeout=0.5)
PY
relay=$!
for _ in $(seq 50); do port_open "$RELAY_PORT" && break; sleep 0.1; done

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
expect_eq "with a relay it is sent" "303 $base/mail?f=INBOX&n=sent" "$out"
for _ in $(seq 50); do [ -s "$WORK/relay.out" ] && break; sleep 0.1; done
got=$(cat "$WORK/relay.out" 2>/dev/null)
expect_match "the relay got the envelope sender" 'MAIL FROM:ann@example.org' "$got"
expect_match "the relay got the outside recipients, Bcc included" 'RCPT TO:carol@elsewhere.example,dave@far.example' "$got"
expect_no_match "the local recipient did not go through the relay" 'RCPT TO:.*bob@example.org' "$got"
expect_no_match "Bcc is not in the headers" '^Bcc:' "$got"
expect_match "the subject is encoded" 'Subject: =\?(UTF-8|utf-8)\?' "$got"
check "the message is 7-bit" bash -c "! LC_ALL=C grep -q '[^[:print:][:space:]]' $WORK/relay.out"
check "bob got it in his Maildir" bash -c "grep -l 'Message-Id\|Message-ID' $maildir/bob/new/* >/dev/null"
check "a copy is in Sent" bash -c "ls $maildir/ann/.Sent/cur/ | grep -q ':2,S'"

kill "$relay"
wait "$relay" 2>/dev/null
drafts=$(ls "$maildir/ann/.Drafts/cur" | wc -l)
out=$(send -F "to=carol@elsewhere.example" -F "subject=Relay down" -F "body=Kept safe")
expect_eq "a relay that is down: refused" 422 "${out%% *}"
expect_match "with the relay's address in the reason" "127.0.0.1:$RELAY_PORT" "$(cat "$WORK/sent.html")"
expect_eq "and the draft is kept" $((drafts + 1)) "$(ls "$maildir/ann/.Drafts/cur" | wc -l)"
finish
