#!/usr/bin/env bash
# "Enter Secure Mode" and "Return to regular mode": the same page on the other
# listener, still logged on; the id changes, the token goes in a cookie to the
# browser that asked and works once, and a session that went secure is never
# taken over plain HTTP.
. "$(dirname "$0")/lib.sh"
new_cert_instance
add_user ann@example.org 'Ann-pass-1'
admin service start >/dev/null
http="http://127.0.0.1:$HTTP_PORT"
jar=$WORK/jar

logon "$jar" "$http" ann@example.org Ann-pass-1 >/dev/null
expect_no_match "with SSL disabled no page offers secure mode" 'Secure Mode' "$(curl -s -b "$jar" "$http/mail")"
expect_eq "and the switch is refused" 404 "$(http_code -b "$jar" "$http/mode/secure?back=/mail")"

admin ssl enable >/dev/null
https="https://127.0.0.1:$HTTPS_PORT"
page=$(curl -s -b "$jar" "$http/mail?f=INBOX")
expect_match "over HTTP the page offers Enter Secure Mode" 'href="/mode/secure\?back=/mail%3Ff%3DINBOX">Enter Secure Mode' "$page"
expect_match "and says it is in regular mode" 'Regular mode' "$page"
old=$(cookie_of "$jar" webmsg_session)

h=$(curl -s -D - -o /dev/null -c "$jar" -b "$jar" "$http/mode/secure?back=/mail%3Ff%3DINBOX")
loc=$(printf '%s' "$h" | tr -d '\r' | sed -n 's/^Location: //p')
expect_eq "Enter Secure Mode goes to the same page's switch on the HTTPS port, nothing secret in the address" \
	"$https/mode/enter?back=/mail%3Ff%3DINBOX" "$loc"
expect_match "the one-time token goes to this browser only, in a cookie both listeners see" \
	'Set-Cookie: webmsg_switch=[A-Za-z0-9_-]{43}; Path=/mode/; Max-Age=60; HttpOnly; SameSite=Lax' "$h"
expect_no_match "a cookie that is not Secure, or HTTPS would not get it" 'webmsg_switch=[^;]*;.*Secure' "$h"
token=$(cookie_of "$jar" webmsg_switch)
check "the token is not the session id" test -n "$token" -a "$token" != "$old"
h=$(curl -sk -D - -c "$jar" -b "$jar" "$loc")
expect_match "over HTTPS the page moves on to the same page (from this site, so the cookie goes along)" \
	'<meta http-equiv="refresh" content="0;url=/mail\?f=INBOX">' "$h"
expect_match "with a new session id in a Secure __Host- cookie" 'Set-Cookie: __Host-webmsg_session=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict; Secure' "$h"
expect_match "and the used token's cookie deleted" 'Set-Cookie: webmsg_switch=; Path=/mode/; Max-Age=0' "$h"
new=$(cookie_of "$jar" __Host-webmsg_session)
check "the id changed" test -n "$new" -a "$new" != "$old"
page=$(curl -sk -b "__Host-webmsg_session=$new" "$https/mail")
expect_match "the secure page shows the user" 'ann@example.org' "$page"
expect_match "and offers Return to regular mode" 'Return to regular mode' "$page"
expect_match "and says it is in secure mode" 'Secure mode' "$page"
h=$(curl -sk -D - -o /dev/null -b "webmsg_switch=$token" "$loc")
expect_match "the token works only once: the page, not logged on" "^HTTP/1.1 303 .*Location: /mail\\?f=INBOX " "$(printf '%s' "$h" | tr -d '\r' | tr '\n' ' ')"
expect_no_match "and no session for it" '__Host-webmsg_session=[A-Za-z0-9_-]' "$h"
expect_match "the old id stopped working" 'name="password"' "$(curl -s -b "webmsg_session=$old" "$http/mail")"
expect_match "the secure session is never taken over plain HTTP" 'name="password"' "$(curl -s -b "webmsg_session=$new" "$http/mail")"
expect_match "not even under the HTTPS cookie's name" 'name="password"' "$(curl -s -b "__Host-webmsg_session=$new" "$http/mail")"

loc=$(curl -sk -o /dev/null -w '%{redirect_url}' -c "$WORK/jar2" -b "__Host-webmsg_session=$new" "$https/mode/regular?back=/mail")
expect_eq "Return to regular mode goes to the HTTP port" "$http/mode/leave?back=/mail" "$loc"
check "with the token in a cookie plain HTTP gets too" test -n "$(cookie_of "$WORK/jar2" webmsg_switch)"
h=$(curl -s -D - -o /dev/null -c "$WORK/jar2" -b "$WORK/jar2" "$loc")
regular=$(cookie_of "$WORK/jar2" webmsg_session)
expect_match "regular mode gets a session of its own" 'ann@example.org' "$(curl -s -b "webmsg_session=$regular" "$http/mail")"
expect_match "and the secure one is over" 'name="password"' "$(curl -sk -b "__Host-webmsg_session=$new" "$https/mail")"

admin ssl force on >/dev/null
expect_eq "with Force SSL, plain HTTP redirects" 302 "$(http_code "$http/mail")"
logon "$WORK/jar3" "$https" ann@example.org Ann-pass-1 -k >/dev/null
page=$(curl -sk -b "$WORK/jar3" "$https/mail")
expect_no_match "with Force SSL there is no way back to regular mode" 'Return to regular mode' "$page"
expect_eq "and the switch is refused" 403 "$(http_code -k -b "$WORK/jar3" "$https/mode/regular?back=/mail")"
finish
