#!/usr/bin/env bash
# A message posted after its session ended (logged off in another tab) is
# kept in Drafts, and the next logon leads to it - but only when the request
# carries the ended session's cookie and a CSRF token of that session. An
# unknown cookie, a wrong token, or a session that ended because its account
# was revoked keeps nothing.
. "$(dirname "$0")/lib.sh"
new_instance
add_user ann@example.org 'Ann-pass-1'
admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"
jar=$WORK/jar

# drafts_with SUBJECT: how many of ann's drafts have this subject.
drafts_with() {
	grep -rl --include='*' -e "^Subject: $1" "$WORK" 2>/dev/null | grep -c '/\.Drafts/'
}

# send JAR_OR_COOKIE CSRF SUBJECT: posts the compose form as a browser does
# (multipart, the token first); prints the status and where it leads.
send() {
	local cookies=$1 csrf=$2 subject=$3
	curl -s -b "$cookies" -c "$WORK/after" -o /dev/null -w '%{http_code} %{redirect_url}' \
		-F "csrf=$csrf" -F kind=new -F draft= -F "to=ann@example.org" -F "subject=$subject" \
		-F "body=Words that must not be lost." -F op=send "$base/mail/send"
}

logon "$jar" "$base" ann@example.org Ann-pass-1 >/dev/null
csrf=$(csrf_of <(curl -s -b "$jar" "$base/mail/compose"))
check "the compose form has a CSRF token" test -n "$csrf"
sid=$(cookie_of "$jar" webmsg_session)
# Logged off (as in another tab): the jar gets what the browser gets.
curl -s -o /dev/null -b "$jar" -c "$jar" --data-urlencode "csrf=$csrf" "$base/logoff"

out=$(send "$WORK/after-none" "$csrf" "No cookie at all")
expect_eq "without a cookie the form goes to the logon page" "303 $base/" "$out"
expect_eq "and nothing is kept" 0 "$(drafts_with 'No cookie at all')"

out=$(send "webmsg_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" "$csrf" "Unknown cookie")
expect_eq "a cookie of no session goes to the logon page" "303 $base/" "$out"
expect_eq "and nothing is kept" 0 "$(drafts_with 'Unknown cookie')"

wrong=$(printf '%064d' 0)
send "$jar" "$wrong" "Wrong token" >/dev/null
expect_eq "and nothing is kept" 0 "$(drafts_with 'Wrong token')"

out=$(send "$jar" "$csrf" "Kept after logoff")
expect_eq "the ended session's cookie and token: the logon page" "303 $base/" "$out"
expect_eq "the message is in Drafts, once" 1 "$(drafts_with 'Kept after logoff')"
expect_eq "nothing was sent" 0 "$(grep -rl -e '^Subject: Kept after logoff' "$WORK" | grep -c '/\.Sent/')"
cp "$WORK/after" "$WORK/jar2"
cat "$jar" >> "$WORK/jar2"
page=$(curl -s -b "$WORK/jar2" "$base/")
expect_match "the logon page says where the text is" 'Your session had ended; your message was kept in Drafts' "$page"
out=$(logon "$WORK/jar2" "$base" ann@example.org Ann-pass-1)
expect_match "after logon the user lands in the draft" "^303 $base/mail/compose\\?mode=draft&id=" "$out"
draft=$(curl -s -b "$WORK/jar2" "${out#303 }")
expect_match "the draft opens in compose with the text" 'Words that must not be lost\.' "$draft"
expect_match "as a draft" '<h1>Draft</h1>' "$draft"
expect_no_match "the session id is never logged" "$sid" "$(cat "$WORK/webmsgd.log")"

# A session ended because the account was revoked ties nothing.
rm -f "$jar"
logon "$jar" "$base" ann@example.org Ann-pass-1 >/dev/null
csrf=$(csrf_of <(curl -s -b "$jar" "$base/mail/compose"))
curl -s -o /dev/null -b "$jar" -c "$jar" --data-urlencode "csrf=$csrf" "$base/logoff"
admin user revoke ann@example.org >/dev/null
out=$(send "$jar" "$csrf" "After revoke")
expect_eq "after the account was revoked the form goes to the logon page" "303 $base/" "$out"
expect_eq "and nothing is kept" 0 "$(drafts_with 'After revoke')"
finish
