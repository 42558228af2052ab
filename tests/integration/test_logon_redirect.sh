#!/usr/bin/env bash
# Open redirects: every way a "back" reaches the server (the mode switch, the
# logon form, the mailbox's actions, the address a logon page remembers) ends
# on a page of this server, whatever a browser would make of the payload;
# addresses of our own pages come through as they are.
. "$(dirname "$0")/lib.sh"
new_ssl_instance
add_user ann@example.org 'Ann-pass-1'
# Every payload logs on once more: room for all of those sessions of ann.
admin config set session.max_per_user 100 >/dev/null
admin service start >/dev/null
http="http://127.0.0.1:$HTTP_PORT"
https="https://127.0.0.1:$HTTPS_PORT"

# The Location an answer sends the browser to (as sent, not resolved by curl).
location() { curl -sk -D - -o /dev/null "$@" | tr -d '\r' | sed -n 's/^Location: //p'; }

# Values of "back" as the server decodes them: another host in every spelling
# a browser, a proxy or a second decoder could turn into one.
payloads=(
	$'/\t/evil.example'
	$'/\n/evil.example'
	$'/\r\nSet-Cookie: x=1'
	'//evil.example'
	'///evil.example'
	'/\evil.example'
	'\\evil.example'
	'https://evil.example/'
	'javascript:alert(1)'
	'/%09/evil.example'
	'/%0a/evil.example'
	'/%2f%2fevil.example'
	'/%5cevil.example'
	'/%252f%252fevil.example'
	'/.//evil.example'
	'/..//evil.example'
	'/%2e%2e//evil.example'
	'/%c0%af%c0%afevil.example'
	'/%zz'
	' //evil.example'
)

# The attack as reported: a link that, followed, sent the browser to //evil.example.
expect_eq "the reported link /mode/leave?back=/%09/evil.example stays here" "/" \
	"$(location "$http/mode/leave?back=/%09/evil.example")"
expect_eq "and the same over HTTPS" "/" "$(location "$https/mode/enter?back=/%09/evil.example")"

logon "$WORK/jar" "$http" ann@example.org Ann-pass-1 >/dev/null
csrf=$(curl -s -b "$WORK/jar" "$http/mail" | grep -o 'name="csrf" value="[^"]*"' | head -1 |
	sed 's/.*value="//; s/"$//')
check "logged on, with the session's form token" test -n "$csrf"

for p in "${payloads[@]}"; do
	shown=$(printf '%q' "$p")
	expect_eq "mode/leave back=$shown: this server's front page" "/" \
		"$(location -G --data-urlencode "back=$p" "$http/mode/leave")"
	expect_eq "mode/enter back=$shown: this server's front page" "/" \
		"$(location -G --data-urlencode "back=$p" "$https/mode/enter")"
	expect_eq "mode/secure back=$shown, not logged on: the front page over HTTPS" "$https/" \
		"$(location -G --data-urlencode "back=$p" "$http/mode/secure")"
	expect_eq "mode/secure back=$shown, logged on: the switch, back to the front page" \
		"$https/mode/enter?back=/" \
		"$(location -b "$WORK/jar" -G --data-urlencode "back=$p" "$http/mode/secure")"
	expect_eq "logon form back=$shown: the mailbox" "/mail" \
		"$(location -c "$WORK/j-$PASSED" -b "$WORK/jar" --data-urlencode "csrf=$(cookie_of "$WORK/jar" webmsg_pre)" \
			--data-urlencode "user=ann@example.org" --data-urlencode "password=Ann-pass-1" \
			--data-urlencode "back=$p" "$http/logon")"
	# The mailbox takes a back that starts with /mail: the payload after it.
	[[ $p == javascript:* ]] && continue # "/mailjavascript:..." is a path here
	expect_eq "mailbox action back=/mail$shown: the folder" "/mail?f=INBOX&n=none" \
		"$(location -b "$WORK/jar" --data-urlencode "csrf=$csrf" --data-urlencode "op=read" \
			--data-urlencode "f=INBOX" --data-urlencode "back=/mail$p" "$http/mail/action")"
done

# The logon page remembers the address asked for in its form, only when it is one of ours.
form=$(curl -s "$http/mail?f=Sent&p=2")
expect_match "a page asked for without a session: the logon form keeps its address" \
	'name="back" value="/mail\?f=Sent&amp;p=2"' "$form"
form=$(curl -s "$http/mail?f=%0a//evil.example")
expect_match "an address with an escaped line feed is not kept" 'name="back" value=""' "$form"

# Addresses of our own pages survive each door.
good='/mail?f=Sent&p=2'
expect_eq "logon form back=$good is where the logon goes" "$good" \
	"$(location -b "$WORK/jar" --data-urlencode "csrf=$(cookie_of "$WORK/jar" webmsg_pre)" \
		--data-urlencode "user=ann@example.org" --data-urlencode "password=Ann-pass-1" \
		--data-urlencode "back=$good" "$http/logon")"
expect_eq "mode/secure back=$good, not logged on: the same page over HTTPS" "$https$good" \
	"$(location -G --data-urlencode "back=$good" "$http/mode/secure")"
expect_eq "a mailbox action back=$good goes back there" "$good&n=none" \
	"$(location -b "$WORK/jar" --data-urlencode "csrf=$csrf" --data-urlencode "op=read" \
		--data-urlencode "f=INBOX" --data-urlencode "back=$good" "$http/mail/action")"
read_page='/mail/read?f=INBOX&id=1700000000.M1P2.host%2C2%3AS'
expect_eq "mode/secure back=$read_page, not logged on: the same page over HTTPS" "$https$read_page" \
	"$(location -G --data-urlencode "back=$read_page" "$http/mode/secure")"
expect_eq "back never names an action (logoff): the front page" "/" \
	"$(location -G --data-urlencode "back=/logoff" "$http/mode/leave")"
finish
