#!/usr/bin/env bash
# Login CSRF through the mode switch: a switch made by one browser cannot be
# completed by another. An attacker who switches his own session and sends
# the link to a victim does not get his session into the victim's browser;
# and a switch never replaces another user's session on the listener it
# arrives at. Each browser is a curl cookie jar.
. "$(dirname "$0")/lib.sh"
new_ssl_instance
add_user ann@example.org 'Ann-pass-1'
add_user mallory@example.org 'Mallory-pass-1'
add_user bob@example.org 'Bob-pass-1'
admin service start >/dev/null
http="http://127.0.0.1:$HTTP_PORT"
https="https://127.0.0.1:$HTTPS_PORT"
attacker=$WORK/attacker victim=$WORK/victim

# The headers of an answer on one line each, CR removed.
headers() { curl -sk -D - -o /dev/null "$@" | tr -d '\r'; }
# Who the mailbox page says is logged on, or "nobody" on the logon page.
who() {
	local page
	page=$(curl -sk "$@")
	if printf '%s' "$page" | grep -q 'name="password"'; then
		echo nobody
	else
		printf '%s' "$page" | grep -Eo '[a-z]+@example\.org' | head -1
	fi
}

# The attacker switches his own session and keeps the link instead of following it.
logon "$attacker" "$http" mallory@example.org Mallory-pass-1 >/dev/null
h=$(headers -c "$attacker" -b "$attacker" "$http/mode/secure?back=/mail")
link=$(printf '%s\n' "$h" | sed -n 's/^Location: //p')
token=$(cookie_of "$attacker" webmsg_switch)
check "the attacker has a switch link and its token" test -n "$link" -a -n "$token"

# The victim's browser opens it: as it is, and in the form the token used to
# travel in (the address), both before the token expires.
for url in "$link" "$link&t=$token" "$https/mode/enter?t=$token&back=/mail"; do
	h=$(headers -c "$victim" -b "$victim" "$url")
	expect_no_match "victim opens $url: no session is installed" '^Set-Cookie: __Host-webmsg_session=[A-Za-z0-9_-]' "$h"
	expect_match "and the browser goes on to the page itself" '^Location: /mail$' "$h"
done
expect_eq "the victim's browser holds no session" "" "$(cookie_of "$victim" __Host-webmsg_session)"
expect_eq "the victim's secure mailbox asks for a logon, not the attacker's mail" nobody \
	"$(who -b "$victim" "$https/mail")"
check "the refusal is logged" grep -q 'mode switch from 127.0.0.1 refused: no valid transfer token' "$WORK/webmsgd.log"

# A victim logged on herself (over HTTP) gets no other session from the link either.
logon "$victim" "$http" ann@example.org Ann-pass-1 >/dev/null
h=$(headers -c "$victim" -b "$victim" "$link&t=$token")
expect_no_match "a logged-on victim opening the link: no session installed" '^Set-Cookie: __Host-webmsg_session=[A-Za-z0-9_-]' "$h"
expect_eq "she is still herself over HTTP" ann@example.org "$(who -b "$victim" "$http/mail")"

# The token was sound all along: only the browser that asked can use it.
h=$(curl -sk -D - -c "$attacker" -b "$attacker" "$link" | tr -d '\r')
expect_match "the attacker's own browser completes his switch" '^Set-Cookie: __Host-webmsg_session=[A-Za-z0-9_-]{43}' "$h"
expect_eq "and is logged on over HTTPS as himself" mallory@example.org "$(who -b "$attacker" "$https/mail")"

# One browser, bob logged on over HTTPS and ann over HTTP: ann's switch to
# secure mode must not replace bob there (nor the other way round).
both=$WORK/both
logon "$both" "$https" bob@example.org Bob-pass-1 -k >/dev/null
logon "$both" "$http" ann@example.org Ann-pass-1 >/dev/null
link=$(headers -c "$both" -b "$both" "$http/mode/secure?back=/mail" | sed -n 's/^Location: //p')
h=$(curl -sk -D - -c "$both" -b "$both" "$link" | tr -d '\r')
expect_match "arriving where another user is logged on is refused with a reason" \
	'^HTTP/1.1 409 .*logged on here as another user' "$(printf '%s' "$h" | tr '\n' ' ')"
expect_no_match "and installs no session" '^Set-Cookie: __Host-webmsg_session=[A-Za-z0-9_-]' "$h"
expect_eq "bob is still logged on over HTTPS" bob@example.org "$(who -b "$both" "$https/mail")"
expect_eq "ann is still logged on over HTTP" ann@example.org "$(who -b "$both" "$http/mail")"
link=$(headers -c "$both" -b "$both" "$https/mode/regular?back=/mail" | sed -n 's/^Location: //p')
h=$(curl -sk -D - -c "$both" -b "$both" "$link" | tr -d '\r')
expect_match "the same the other way: bob's switch to regular mode is refused where ann is" \
	'^HTTP/1.1 409 ' "$h"
expect_eq "ann is still logged on over HTTP" ann@example.org "$(who -b "$both" "$http/mail")"
finish
