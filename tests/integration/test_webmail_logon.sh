#!/usr/bin/env bash
# Logging on and off over HTTP as a browser does: sessions, cookies, the
# generic error, throttling with a line for fail2ban, CSRF, "Expire page
# views", and "Remember me".
. "$(dirname "$0")/lib.sh"
new_instance
add_user ann@example.org 'Ann-pass-1'
add_user bob@example.org 'Bob-pass-2'
admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"
jar=$WORK/jar

out=$(logon "$jar" "$base" ann@example.org wrong-password)
expect_eq "a wrong password is refused" 401 "${out%% *}"
msg=$(cat "$WORK/logon-answer.html")
expect_match "the message does not say which part was wrong" 'The user ID or password is wrong' "$msg"
logon "$jar" "$base" nobody@example.org whatever >/dev/null
expect_eq "an unknown user gets the same words" "$(grep -o 'The user ID or password is wrong' "$WORK/logon-answer.html")" "The user ID or password is wrong"
expect_match "each failure is one log line fail2ban can match" \
	'logon failed for user "nobody@example.org" from 127\.0\.0\.1$' "$(cat "$WORK/webmsgd.log")"

# A session id planted before logon is replaced (session fixation).
printf '127.0.0.1\tFALSE\t/\tFALSE\t0\twebmsg_session\tplanted-by-someone-else-0000000000000000000\n' >> "$jar"
out=$(logon "$jar" "$base" ann@example.org Ann-pass-1)
expect_eq "the right password logs on and goes to the mailbox" "303 $base/mail" "$out"
sid=$(cookie_of "$jar" webmsg_session)
check "a new 256-bit session id (43 base64url characters)" bash -c "[[ '$sid' =~ ^[A-Za-z0-9_-]{43}$ ]]"
curl -s -D "$WORK/h" -o /dev/null -c "$WORK/j1" "$base/" >/dev/null
logon "$WORK/j1" "$base" ann@example.org Ann-pass-1 -D "$WORK/h2" >/dev/null
expect_match "the session cookie is HttpOnly and SameSite=Strict" \
	'Set-Cookie: webmsg_session=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict' "$(cat "$WORK/h2")"
expect_no_match "no Secure flag over plain HTTP" 'webmsg_session=[^;]*;.*Secure' "$(grep -i 'webmsg_session' "$WORK/h2")"
expect_no_match "the session id is never in a URL" "$sid" "$(grep -i '^Location' "$WORK/h2")"
expect_no_match "the session id is never logged" "$sid" "$(cat "$WORK/webmsgd.log")"

page=$(curl -s -D "$WORK/mh" -b "$jar" "$base/mail")
expect_match "the mailbox shows the user" 'ann@example.org' "$page"
expect_match "mail pages are private" 'Cache-Control: private, no-cache' "$(cat "$WORK/mh")"
expect_eq "a planted id is not a session" "" "$(curl -s -b 'webmsg_session=planted-by-someone-else-0000000000000000000' "$base/mail" | grep -o 'ann@example.org' | head -1)"

# CSRF: a form without the session's token does nothing.
expect_eq "logoff without the CSRF token is refused" 403 "$(http_code -b "$jar" -X POST "$base/logoff")"
expect_eq "a mail action without the token is refused" 403 "$(http_code -b "$jar" --data 'op=delete&f=INBOX&id=x' "$base/mail/action")"
expect_eq "the logon form without its token is refused" 403 "$(http_code -c "$WORK/j2" --data 'user=ann@example.org&password=Ann-pass-1' "$base/logon")"

# Logoff destroys the session: the old cookie is worth nothing.
csrf=$(csrf_of <(curl -s -b "$jar" "$base/mail"))
lo=$(curl -s -D - -o /dev/null -b "$jar" -c "$jar" --data-urlencode "csrf=$csrf" "$base/logoff")
expect_match "logoff goes to the logon page" 'Location: /' "$lo"
expect_match "logoff asks the browser to drop its cache" 'Clear-Site-Data: "cache"' "$lo"
page=$(curl -s -b "webmsg_session=$sid" "$base/mail")
expect_match "after logoff the mailbox answers with the logon page" 'name="password"' "$page"
expect_eq "after logoff an action goes to the logon page" "303 $base/" "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -b "webmsg_session=$sid" --data "csrf=$csrf&op=delete&f=INBOX&id=x" "$base/mail/action")"

logon "$WORK/jx" "$base" 'x from 192.0.2.9' whatever >/dev/null
expect_match "a crafted user ID cannot put another address into the line" \
	'logon failed for user "x from 192\.0\.2\.9" from 127\.0\.0\.1$' "$(cat "$WORK/webmsgd.log")"
if command -v fail2ban-regex >/dev/null; then
	check "the shipped fail2ban filter matches the failures" bash -c \
		"fail2ban-regex '$WORK/webmsgd.log' '$WEBMSG_SHARE_DIR/fail2ban/webmsgd.conf' | grep -q 'Failregex: [1-9]'"
fi

# Logon by name alone, the domain from the Host header.
out=$(logon "$WORK/j3" "http://mail.example.org:$HTTP_PORT" bob Bob-pass-2 --resolve "mail.example.org:$HTTP_PORT:127.0.0.1")
expect_eq "logon as a bare name, the domain from the host name" "303 http://mail.example.org:$HTTP_PORT/mail" "$out"

# "Expire page views": nothing of the session is cached.
LOGON_EXTRA="expire=1" logon "$WORK/j4" "$base" ann@example.org Ann-pass-1 >/dev/null
h=$(curl -s -D - -o /dev/null -b "$WORK/j4" "$base/mail")
expect_match "Expire page views sends no-store" 'Cache-Control: no-store' "$h"
expect_match "and the old-cache equivalents" 'Pragma: no-cache' "$h"

# "Remember me": a token, never the password; rotated on use; ended by logoff.
LOGON_EXTRA="remember=1" logon "$WORK/j5" "$base" ann@example.org Ann-pass-1 >/dev/null
remember=$(cookie_of "$WORK/j5" webmsg_remember)
check "a remember-me cookie is set" test -n "$remember"
expect_no_match "it holds no password" 'Ann-pass-1' "$remember"
store=${WEBMSG_CONFIG%.db}-sessions.db
expect_no_match "the session store holds only a hash of it" "${remember#*:}" "$(sqlite3 "$store" 'SELECT * FROM kv')"
check "and holds the token" test "$(sqlite3 "$store" "SELECT count(*) FROM kv WHERE key = 'remember:t:${remember%%:*}'")" = 1
fresh=$WORK/j6
printf '127.0.0.1\tFALSE\t/\tFALSE\t0\twebmsg_remember\t%s\n' "$remember" > "$fresh"
page=$(curl -s -b "$fresh" -c "$fresh" "$base/mail")
expect_match "a new browser with only the remember-me cookie is logged on" 'ann@example.org' "$page"
rotated=$(cookie_of "$fresh" webmsg_remember)
check "the token was replaced on use" test -n "$rotated" -a "$rotated" != "$remember"
# A second tab that resumed at the same time with the token just replaced is let in (once).
tab2=$WORK/j6b
printf '127.0.0.1\tFALSE\t/\tFALSE\t0\twebmsg_remember\t%s\n' "$remember" > "$tab2"
expect_match "the token just replaced still works for a moment (two tabs)" 'ann@example.org' \
	"$(curl -s -b "$tab2" -c "$tab2" "$base/mail")"
expect_match "a token replaced twice no longer logs on" 'name="password"' "$(curl -s -b "webmsg_remember=$remember" "$base/mail")"
expect_match "using it ended every remembered logon of the user" 'name="password"' \
	"$(curl -s -b "webmsg_remember=$(cookie_of "$tab2" webmsg_remember)" "$base/mail")"
expect_match "and the log says why" 'remembered logons of user .*ann@example.org.* ended: a replaced token' \
	"$(cat "$WORK/webmsgd.log")"
LOGON_EXTRA="remember=1" logon "$WORK/j7" "$base" ann@example.org Ann-pass-1 >/dev/null
remember=$(cookie_of "$WORK/j7" webmsg_remember)
csrf=$(csrf_of <(curl -s -b "$WORK/j7" "$base/mail"))
curl -s -o /dev/null -b "$WORK/j7" -c "$WORK/j7" --data-urlencode "csrf=$csrf" "$base/logoff"
expect_match "after logoff the remember-me token is gone" 'name="password"' "$(curl -s -b "webmsg_remember=$remember" "$base/mail")"
LOGON_EXTRA="remember=1" logon "$WORK/j8" "$base" ann@example.org Ann-pass-1 >/dev/null
remember=$(cookie_of "$WORK/j8" webmsg_remember)
echo 'Ann-pass-new' | admin user passwd ann@example.org >/dev/null
expect_match "a password change ends remembered logons" 'name="password"' "$(curl -s -b "webmsg_remember=$remember" "$base/mail")"
admin config set login.remember_me off >/dev/null
expect_no_match "the administrator can refuse Remember me" 'Remember me' "$(curl -s "$base/")"

# Throttling: growing delays per address and user (1 s after the third
# failure, then 2, 4, 8 s); a wait is not a failure; a success resets. Six
# failures, so that the right password comes well within the 8 s that follow
# even on a busy machine.
fails=0
for _ in $(seq 200); do
	out=$(logon "$WORK/j9" "$base" bob@example.org wrong)
	[ "${out%% *}" = 401 ] && fails=$((fails + 1))
	[ "$fails" -ge 6 ] && break
	[ "${out%% *}" = 429 ] && sleep 0.2
done
expect_eq "six failures, the last ones after delays" 6 "$fails"
out=$(logon "$WORK/j9" "$base" bob@example.org Bob-pass-2)
expect_eq "after the failures even the right password must wait" 429 "${out%% *}"
expect_match "and the page says how long" 'Try again in [0-9]+ second' "$(cat "$WORK/logon-answer.html")"
for _ in $(seq 150); do
	out=$(logon "$WORK/j9" "$base" bob@example.org Bob-pass-2)
	[ "${out%% *}" = 429 ] || break
	sleep 0.2
done
expect_eq "after the delay the right password logs on" "303" "${out%% *}"
finish
