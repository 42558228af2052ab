#!/usr/bin/env bash
# A relay that accepts connections and never answers must not hold anyone
# up (issue 12, finding 6): sending answers "queued" at once, other users'
# pages and the style sheet answer while every delivery thread waits on the
# relay; a reload and a restart neither lose nor duplicate what waits; once
# the relay answers, each message reaches it exactly once; and when it never
# does, the message comes back to its sender after the last try.
. "$(dirname "$0")/lib.sh"
new_instance
add_user ann@example.org 'Ann-pass-1'
add_user bob@example.org 'Bob-pass-2'
add_user cid@example.org 'Cid-pass-3'
relay_dir=$WORK/relay
mkdir -p "$relay_dir"
touch "$relay_dir/silent"
relay_start "$relay_dir" || { fail "the relay starts"; finish; }
admin config set smtp.relay "smtp://127.0.0.1:$RELAY_PORT" >/dev/null
admin config set smtp.tls none >/dev/null
admin config set smtp.timeout 4 >/dev/null
admin config set smtp.retry_delay 1 >/dev/null
admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"
maildir=$WORK/mail/example.org

connections() { cat "$relay_dir/connections" 2>/dev/null || echo 0; }
relay_busy() { [ "$(connections)" -ge "$1" ]; }
queued() { ls "$WORK"/outbox/*.env 2>/dev/null | wc -l; }
delivered() { grep -c "^RCPT TO:$1\$" "$relay_dir/relay.out" 2>/dev/null || echo 0; }
both_delivered() { [ "$(delivered far1@elsewhere.example)" -ge 1 ] && [ "$(delivered far2@elsewhere.example)" -ge 1 ]; }

logon "$WORK/ann.jar" "$base" ann@example.org Ann-pass-1 >/dev/null
logon "$WORK/bob.jar" "$base" bob@example.org Bob-pass-2 >/dev/null
logon "$WORK/cid.jar" "$base" cid@example.org Cid-pass-3 >/dev/null
# send USER TO SUBJECT: the status and where it sends the browser, within 10 s.
send() {
	local jar=$WORK/$1.jar csrf
	csrf=$(csrf_of <(curl -s -b "$jar" "$base/mail/compose"))
	curl -s -m 10 -b "$jar" -F "csrf=$csrf" -F "to=$2" -F "subject=$3" -F "body=for $2" \
		-o /dev/null -w '%{http_code} %{redirect_url}' "$base/mail/send"
}

out=$(send ann far1@elsewhere.example "First out")
expect_eq "sending answers at once: queued" "303 $base/mail?f=INBOX&n=queued" "$out"
out=$(send cid far2@elsewhere.example "Second out")
expect_eq "a second user's message too" "303 $base/mail?f=INBOX&n=queued" "$out"
check "both delivery threads are now waiting on the silent relay" wait_for 30 relay_busy 2
expect_eq "another user's mailbox answers meanwhile" 200 \
	"$(http_code -m 3 -b "$WORK/bob.jar" "$base/mail")"
expect_eq "the style sheet answers meanwhile" 200 "$(http_code -m 3 "$base/static/style.css")"
expect_eq "the logon page answers meanwhile" 200 "$(http_code -m 3 "$base/")"
expect_eq "both messages wait in the outbox" 2 "$(queued)"

# A reload and a restart while they wait: nothing lost, nothing sent twice.
admin service reload >/dev/null
expect_eq "after a reload both still wait" 2 "$(queued)"
check "the daemon stops promptly though deliveries are in progress" \
	timeout 20 "$ADMIN" service stop
expect_eq "what waits stays on disk" 2 "$(queued)"
rm -f "$relay_dir/silent"
admin service start >/dev/null
check "after the restart the relay, answering now, gets both" wait_for 60 both_delivered
check "and the outbox empties" wait_for 10 bash -c "[ \$(ls $WORK/outbox/*.env 2>/dev/null | wc -l) = 0 ]"
expect_eq "each exactly once" "1 1" \
	"$(delivered far1@elsewhere.example) $(delivered far2@elsewhere.example)"

# A relay that never answers, with one try allowed: back to the sender.
# (Sessions do not outlive a restart: log on again.)
admin config set smtp.max_attempts 1 >/dev/null
logon "$WORK/ann.jar" "$base" ann@example.org Ann-pass-1 >/dev/null
touch "$relay_dir/silent"
out=$(send ann far3@elsewhere.example "Never answered")
expect_eq "queued again" "303 $base/mail?f=INBOX&n=queued" "$out"
bounced() { grep -l 'Undelivered mail returned to sender' "$maildir"/ann/new/* >/dev/null 2>&1; }
check "after smtp.timeout the message comes back to the sender" wait_for 60 bounced
bounce=$(cat $(grep -l 'Undelivered mail returned to sender' "$maildir"/ann/new/*) 2>/dev/null)
expect_match "saying why" 'could not be reached' "$bounce"
expect_match "naming the recipient" 'far3@elsewhere.example' "$bounce"
expect_eq "nothing waits any more" 0 "$(queued)"
finish
