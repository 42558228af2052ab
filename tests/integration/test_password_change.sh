#!/usr/bin/env bash
# A user's own password change on the settings page: wrong current passwords
# count in the logon throttle as failed logons do (logged for fail2ban), so
# the page is no way around it; the new password follows the rules of
# `webmsg-admin user passwd`; a change ends the user's other sessions.
. "$(dirname "$0")/lib.sh"
new_instance
add_user ann@example.org 'Ann-pass-1'
admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"

# change JAR OLD NEW [NEW2]: the status of the settings form's answer.
change() {
	local jar=$1
	curl -s -b "$jar" -c "$jar" "$base/settings" -o "$WORK/settings.html"
	curl -s -b "$jar" -c "$jar" --data-urlencode "csrf=$(csrf_of "$WORK/settings.html")" \
		--data-urlencode op=password --data-urlencode "old=$2" --data-urlencode "new=$3" \
		--data-urlencode "new2=${4:-$3}" -o "$WORK/answer.html" -w '%{http_code}' \
		"$base/settings"
}

out=$(logon "$WORK/a" "$base" ann@example.org Ann-pass-1)
expect_eq "ann logs on" "303 $base/mail" "$out"
out=$(logon "$WORK/b" "$base" ann@example.org Ann-pass-1)
expect_eq "and again in another browser" "303 $base/mail" "$out"

expect_eq "a new password shorter than the rules allow is refused" 422 "$(change "$WORK/a" Ann-pass-1 short)"
expect_match "with the reason beside the field" 'id="new-error">[^<]*8' "$(cat "$WORK/answer.html")"

# Wrong current passwords until the page makes the next one wait: the delay
# doubles with each failure past the threshold, so it soon outlasts a request
# however slow the machine is.
admin config set login.throttle_pair_failures 1 >/dev/null
code=
for i in $(seq 1 12); do
	code=$(change "$WORK/a" "wrong-$i" 'Ann-pass-2')
	[ "$code" = 429 ] && break
	[ "$code" = 401 ] || break
done
expect_eq "wrong current passwords are throttled like logons" 429 "$code"
expect_match "with the time to wait" 'Too many wrong passwords. Try again in [0-9]+ second' \
	"$(cat "$WORK/answer.html")"
expect_match "each failure is logged as a failed logon, for fail2ban" \
	'logon failed for user "ann@example.org" from 127\.0\.0\.1$' "$(cat "$WORK/webmsgd.log")"

# Once the delay is over the right password changes it.
for _ in $(seq 1 300); do
	code=$(change "$WORK/a" Ann-pass-1 'Ann-pass-2')
	[ "$code" != 429 ] && break
	sleep 0.5
done
expect_eq "after the delay the change is made" 303 "$code"
expect_match "this browser stays logged on" 'ann@example.org' "$(curl -s -b "$WORK/a" "$base/mail")"
expect_eq "the other browser's session has ended" 200 "$(http_code -b "$WORK/b" "$base/mail")"
expect_match "it sees the logon page" 'name="password"' "$(curl -s -b "$WORK/b" "$base/mail")"
out=$(logon "$WORK/d" "$base" ann@example.org Ann-pass-2)
expect_eq "the new password logs on" "303 $base/mail" "$out"
finish
