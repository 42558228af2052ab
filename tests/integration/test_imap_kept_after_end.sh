#!/usr/bin/env bash
# mail.store imap: a compose form posted after its session ended (logged off
# in another tab) cannot go into Drafts at once (the IMAP password ended with
# the session). It is kept sealed in the session store - the local file, then
# Redis - with its attachment, and the next logon of its user in the same
# browser puts it into Drafts on Dovecot and opens it. Another browser of the
# same user, or another user in this browser, gets nothing of it; the store
# and the log never hold its text or the browser's token.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"
. "$(dirname "$0")/redis.sh"
trap 'redis_stop; dovecot_stop; cleanup' EXIT

dovecot_user ann@example.org 'Ann-imap-1'
dovecot_user bob@example.org 'Bob-imap-2'
check "Dovecot starts" dovecot_start || finish
check "Redis starts on a unix socket" redis_start || finish

new_instance
dovecot_use_store -t 10 ||
	{ fail "configure mail.store imap"; finish; }
admin service start >/dev/null || { fail "webmsgd starts"; finish; }
base="http://127.0.0.1:$HTTP_PORT"

fetch() { dovecot_adm fetch -u "$1" text mailbox "$2" 2>/dev/null; }
drafts_with() { fetch "$1" Drafts | grep -c "^Subject: $2" || true; }
# What the session store holds of kept messages, values included.
store_dump() {
	if [ "$STORE" = redis ]; then
		redis-cli -s "$REDIS_SOCK" --scan --pattern '*imap-kept*' | while read -r k; do
			echo "$k"
			redis-cli -s "$REDIS_SOCK" GET "$k"
		done
	else
		python3 - "$WORK/webmsg-sessions.db" <<'EOF'
import sqlite3, sys
for k, v in sqlite3.connect(sys.argv[1]).execute("SELECT key, value FROM kv WHERE key LIKE 'imap-kept:%'"):
    print(k); print(v)
EOF
	fi
}
kept_keys() { store_dump | grep -c 'imap-kept:' || true; }

printf 'attachment words %.0s' $(seq 200) >"$WORK/notes.txt"

# scenario: one round on the session store in use ($STORE).
scenario() {
	local a="$WORK/a-$STORE" c="$WORK/c-$STORE" subject="Long letter $STORE" body
	body="Secret words of $STORE that must not be lost"
	rm -f "$a" "$c"
	out=$(logon "$a" "$base" ann@example.org 'Ann-imap-1')
	expect_eq "[$STORE] ann logs on" "303 $base/mail" "$out"
	csrf=$(csrf_of <(curl -s -b "$a" "$base/mail/compose"))
	# Logged off (as in another tab): the browser keeps the ended session's cookie.
	curl -s -o /dev/null -b "$a" -c "$a" --data-urlencode "csrf=$csrf" "$base/logoff"
	post() {
		curl -s -b "$a" -c "$a" -o /dev/null -w '%{http_code} %{redirect_url}' \
			-F "csrf=$csrf" -F kind=new -F draft= -F "to=bob@example.org" \
			-F "subject=$subject" -F "body=$1" \
			-F "attachment=@$WORK/notes.txt;type=text/plain" -F op=send "$base/mail/send"
	}
	out=$(post "First version")
	expect_eq "[$STORE] the form posted after the end leads to the logon page" "303 $base/" "$out"
	# Posted again (autosave.js retries): the same message, replaced.
	out=$(post "$body")
	expect_eq "[$STORE] and so does the same form posted again" "303 $base/" "$out"
	expect_match "[$STORE] which says the message was kept" \
		'Your session had ended; your message was kept in Drafts' "$(curl -s -b "$a" "$base/")"
	token=$(cookie_of "$a" webmsg_keep)
	check "[$STORE] the browser got a token of its own" test -n "$token"
	expect_eq "[$STORE] the session store holds it, once (a list and one message)" 2 \
		"$(kept_keys)"
	dump=$(store_dump)
	expect_no_match "[$STORE] sealed: not its text" "$body" "$dump"
	expect_no_match "[$STORE] nor its subject" "$subject" "$dump"
	expect_no_match "[$STORE] nor the browser's token" "$token" "$dump"
	expect_eq "[$STORE] not in Drafts yet" 0 "$(drafts_with ann@example.org "$subject")"

	# Ann on another machine: nothing of it.
	out=$(logon "$c" "$base" ann@example.org 'Ann-imap-1')
	expect_eq "[$STORE] ann in another browser lands in her mailbox" "303 $base/mail" "$out"
	expect_eq "[$STORE] and the message is not put in Drafts for her there" 0 \
		"$(drafts_with ann@example.org "$subject")"
	# Bob in ann's browser: not his; it stays for ann.
	out=$(logon "$a" "$base" bob@example.org 'Bob-imap-2')
	expect_eq "[$STORE] bob in ann's browser lands in his mailbox" "303 $base/mail" "$out"
	expect_eq "[$STORE] nothing in bob's Drafts" 0 "$(drafts_with bob@example.org "$subject")"
	expect_eq "[$STORE] the message is still kept" 2 "$(kept_keys)"
	expect_eq "[$STORE] and the browser keeps its token" "$token" "$(cookie_of "$a" webmsg_keep)"
	csrf=$(csrf_of <(curl -s -b "$a" "$base/mail/compose"))
	curl -s -o /dev/null -b "$a" -c "$a" --data-urlencode "csrf=$csrf" "$base/logoff"

	# Ann again in her browser: into Drafts, and the logon leads to it.
	out=$(logon "$a" "$base" ann@example.org 'Ann-imap-1')
	expect_match "[$STORE] ann's next logon there leads to the draft" \
		"^303 $base/mail/compose\\?mode=draft&id=" "$out"
	draft=$(curl -s -b "$a" "${out#303 }")
	expect_match "[$STORE] it opens in compose with the text" "$body" "$draft"
	expect_no_match "[$STORE] of the version posted last" 'First version' "$draft"
	expect_match "[$STORE] and its attachment" 'notes.txt' "$draft"
	expect_eq "[$STORE] it is in ann's Drafts on Dovecot, once" 1 \
		"$(drafts_with ann@example.org "$subject")"
	expect_match "[$STORE] with the attachment's content" 'YXR0YWNobWVudCB3b3Jkc' \
		"$(fetch ann@example.org Drafts)"
	expect_eq "[$STORE] the session store holds it no more" 0 "$(kept_keys)"
	expect_eq "[$STORE] the browser's token is spent" "" "$(cookie_of "$a" webmsg_keep)"
	expect_no_match "[$STORE] nothing was sent" "$subject" "$(fetch ann@example.org Sent)"
	log=$(cat "$WORK/webmsgd.log")
	expect_no_match "[$STORE] the log has no token" "$token" "$log"
	expect_no_match "[$STORE] nor the text" "$body" "$log"
}

STORE=local
scenario
STORE=redis
admin config set session.store redis >/dev/null &&
	admin config set session.redis "unix:$REDIS_SOCK" >/dev/null &&
	admin service restart >/dev/null || fail "webmsgd restarts on Redis"
scenario
finish
