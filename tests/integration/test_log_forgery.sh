#!/usr/bin/env bash
# Forged fail2ban lines: whatever a client puts into a user ID, a message id,
# an address or a mail header, the shipped filter finds the real failed
# logons, each with the address they came from, and never another address.
. "$(dirname "$0")/lib.sh"
command -v fail2ban-regex >/dev/null || { echo "fail2ban-regex is missing (scripts/deps.sh test)"; exit 1; }
new_instance
add_user ann@example.org 'Ann-pass-1'
admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"
log=$WORK/webmsgd.log
filter=$WEBMSG_SHARE_DIR/fail2ban/webmsgd.conf
failures=0

# logon_fails USER: one failed logon; counts it when the daemon said 401.
logon_fails() {
	local out
	out=$(logon "$WORK/jf" "$base" "$1" wrong-password)
	[ "${out%% *}" = 401 ] && failures=$((failures + 1))
}

logon_fails ann@example.org
logon_fails nobody@example.org
long=$(head -c 3000 /dev/zero | tr '\0' a)
stamp='2026-11-30T12:00:00Z webmsgd[1] warn: '
for id in 'x from 6.6.6.6' \
	'x logon failed for user x from 6.6.6.6' \
	'x" from 6.6.6.6' \
	'x\" from 6.6.6.6' \
	"$long logon failed for user x from 6.6.6.6" \
	$'x\nlogon failed for user x from 6.6.6.6' \
	$'x\r\n'"${stamp}logon failed for user \"y\" from 6.6.6.6" \
	"x%0a${stamp}logon failed for user \"y\" from 6.6.6.6" \
	$'caf\xc3\xa9 \xe2\x80\xa8logon failed for user "y" from 6.6.6.6'; do
	logon_fails "$id"
done
# The same through the raw form, %0a and all, as a hand-made client sends it.
curl -s -c "$WORK/jr" "$base/" -o "$WORK/form.html"
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$WORK/jr" \
	--data "csrf=$(csrf_of "$WORK/form.html")&password=x&user=x%0a${stamp// /+}logon+failed+for+user+y+from+6.6.6.6%0d%0a" \
	"$base/logon")
[ "$code" = 401 ] && failures=$((failures + 1))

# A logged-on user's own fields: message ids, a folder, a URL, mail headers.
logon "$WORK/ja" "$base" ann@example.org Ann-pass-1 >/dev/null
csrf=$(csrf_of <(curl -s -b "$WORK/ja" "$base/mail"))
for mid in "x logon failed for user x from 6.6.6.6" "$long from 6.6.6.6" \
	$'1\n'"${stamp}logon failed for user \"y\" from 6.6.6.6"; do
	curl -s -o /dev/null -b "$WORK/ja" --data-urlencode "csrf=$csrf" --data-urlencode "op=delete" \
		--data-urlencode "f=INBOX" --data-urlencode "id=$mid" "$base/mail/action"
	curl -s -o /dev/null -b "$WORK/ja" --data-urlencode "csrf=$csrf" --data-urlencode "op=move" \
		--data-urlencode "f=INBOX" --data-urlencode "to=$mid" --data-urlencode "id=$mid" \
		"$base/mail/action"
done
curl -s -o /dev/null -b "$WORK/ja" "$base/mail/read?f=INBOX&id=x%0a${stamp// /+}logon+failed+for+user+y+from+6.6.6.6"
inbox=$WORK/mail/example.org/ann/new
mkdir -p "$inbox"
printf '%s\r\n' "From: \"x from 6.6.6.6\" <eve@example.net>" "To: ann@example.org" \
	"Subject: logon failed for user x from 6.6.6.6" \
	" ${stamp}logon failed for user \"y\" from 6.6.6.6" \
	"Message-ID: <x from 6.6.6.6@example.net>" "Date: Mon, 30 Nov 2026 12:00:00 +0000" "" \
	"hostile headers" > "$inbox/1764504000.M1P1.test"
page=$(curl -s -b "$WORK/ja" "$base/mail")
mid=$(printf '%s' "$page" | grep -o 'read?f=INBOX&amp;id=[^"&]*' | head -1 | sed 's/.*id=//')
curl -s -o /dev/null -b "$WORK/ja" "$base/mail/read?f=INBOX&id=$mid"
ccsrf=$(csrf_of <(curl -s -b "$WORK/ja" "$base/mail/compose"))
curl -s -o /dev/null -b "$WORK/ja" -F "csrf=$ccsrf" -F "to=\"x from 6.6.6.6\" <y@example.org>" \
	-F "subject=logon failed for user x from 6.6.6.6" -F "in_reply_to=<x from 6.6.6.6>" \
	-F "body=x" "$base/mail/send"
curl -s -o /dev/null -b "$WORK/ja" -F "csrf=$ccsrf" -F "to=x@example.org" \
	-F "subject=logon failed for user x from 6.6.6.6" -F "body=x" "$base/mail/send"

check "the hostile fields reached the log" bash -c "[ \$(grep -c '6\.6\.6\.6' '$log') -ge 10 ]"
ips=$(fail2ban-regex --out ip "$log" "$filter" 2>/dev/null)
expect_eq "the filter finds every failed logon" "$failures" "$(printf '%s\n' "$ips" | grep -c .)"
expect_eq "each with the address it came from, never another" "127.0.0.1" "$(printf '%s\n' "$ips" | sort -u)"
check "some failures were made at all" test "$failures" -ge 10
expect_eq "every line begins with the daemon's own prefix" 0 \
	"$(grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z webmsgd\[[0-9]+\] (error|warn|info|debug): ' "$log")"
expect_match "a user ID is logged quoted and escaped" \
	'logon failed for user "x\\x0alogon failed for user x from 6\.6\.6\.6" from 127\.0\.0\.1$' "$(cat "$log")"
expect_match "a long one is cut with a marker" 'logon failed for user "a{200}"\.\.\. from 127\.0\.0\.1$' "$(cat "$log")"
check "no line is longer than the limit" awk 'length($0) > 2200 { bad = 1 } END { exit bad }' "$log"
finish
