#!/usr/bin/env bash
# A session alone (a stolen cookie) never turns the second factor off or
# replaces its key: both take the password or a current code, and wrong
# answers count in the logon throttle like wrong passwords.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/totp_lib.sh"
new_instance
add_user ann@example.org 'Ann-pass-1'
admin config set login.throttle_pair_failures 3 >/dev/null
admin config set login.throttle_max_delay 8 >/dev/null
admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"
key_of_db() { sqlite3 "$WEBMSG_CONFIG" "SELECT totp_secret FROM users WHERE name = 'ann'"; }
pending_of_db() { sqlite3 "$WEBMSG_CONFIG" "SELECT totp_pending FROM users WHERE name = 'ann'"; }

expect_eq "ann logs on" "303 $base/mail" "$(logon "$WORK/a" "$base" ann@example.org Ann-pass-1)"
secret=$(totp_enrol "$WORK/a")
expect_match "she sets up two-step verification" '^[A-Z2-7]{32}$' "$secret"
sealed=$(key_of_db)
page=$(curl -s -b "$WORK/a" "$base/settings")
expect_match "the settings ask for proof to turn it off" 'Your password or a current code, to turn it off' "$page"
expect_match "and to set it up again" 'Your password or a current code, to set it up again' "$page"

# The thief has the session cookie and nothing else.
cp "$WORK/a" "$WORK/thief"
expect_eq "turning it off with the session alone is refused" 401 \
	"$(settings_post "$WORK/thief" op=totp_off)"
expect_eq "a new key with the session alone is refused" 401 \
	"$(settings_post "$WORK/thief" op=totp_begin)"
expect_no_match "and shows no key" 'id="totp-secret"' "$(cat "$WORK/answer.html")"
expect_eq "nor with a wrong password" 401 \
	"$(settings_post "$WORK/thief" op=totp_begin password=Guess-1234)"
expect_eq "her key is unchanged" "$sealed" "$(key_of_db)"
expect_eq "no key is being set up" "" "$(pending_of_db)"
expect_match "wrong answers are logged as failed logons" \
	'logon failed for user "ann@example.org" from 127.0.0.1' "$(cat "$WORK/webmsgd.log")"
# Counted in the throttle: more wrong answers soon meet its delay.
for _ in $(seq 1 12); do
	status=$(settings_post "$WORK/thief" op=totp_off password=Guess-1234)
	[ "$status" = 429 ] && break
done
expect_eq "they count in the logon throttle" 429 "$status"
expect_match "which says to wait" 'Too many wrong tries|Try again in' "$(cat "$WORK/answer.html")"
expect_eq "her key is still there" "$sealed" "$(key_of_db)"

# Ann, with a current code, sets up a new phone once the delay is over.
for _ in $(seq 1 60); do
	last=$(cat "$WORK/totp-last-step")
	status=$(settings_post "$WORK/a" op=totp_begin "password=$(fresh_code "$secret")")
	[ "$status" != 429 ] && break
	echo "$last" >"$WORK/totp-last-step" # refused unread: the code is still unused
	sleep 0.5
done
expect_eq "a current code lets her set it up again" 200 "$status"
new=$(grep -o 'id="totp-secret">[A-Z2-7]*<' "$WORK/answer.html" | sed 's/.*>//; s/<$//')
expect_match "with a new key" '^[A-Z2-7]{32}$' "$new"
rm -f "$WORK/totp-last-step"
expect_eq "confirmed with its code" 200 \
	"$(settings_post "$WORK/a" op=totp_confirm "code=$(fresh_code "$new")" "secret=$new")"
expect_no_match "the key changed" "$sealed" "$(key_of_db)"
expect_eq "her password turns it off" 303 "$(settings_post "$WORK/a" op=totp_off password=Ann-pass-1)"
expect_eq "off" "" "$(key_of_db)"
finish
