#!/usr/bin/env bash
# Two-step verification and the operator's reset: a user who set it up is
# asked for a code after the password; `webmsg-admin user totp reset` turns it
# off and ends the user's sessions, and the password alone logs on again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/totp_lib.sh"
new_instance
add_user ann@example.org 'Ann-pass-1'
admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"

expect_eq "ann logs on" "303 $base/mail" "$(logon "$WORK/a" "$base" ann@example.org Ann-pass-1)"
expect_eq "she sets up two-step verification" 200 "$(settings_post "$WORK/a" op=totp_begin)"
secret=$(grep -o 'id="totp-secret">[A-Z2-7]*<' "$WORK/answer.html" | sed 's/.*>//; s/<$//')
expect_match "the page shows the key" '^[A-Z2-7]{32}$' "$secret"
expect_match "and its QR code, drawn by the server" '<svg[^>]*class="qr"' "$(cat "$WORK/answer.html")"
expect_eq "a current code turns it on" 200 \
	"$(settings_post "$WORK/a" op=totp_confirm "code=$(fresh_code "$secret")" "secret=$secret")"
expect_match "the recovery codes are shown" 'id="recovery-codes"><li>' "$(cat "$WORK/answer.html")"
expect_no_match "the key is not in the database in clear" "$secret" \
	"$(sqlite3 "$WORK/webmsg.db" 'SELECT totp_secret FROM users')"

expect_eq "now the password alone is not a logon" "200 " \
	"$(logon "$WORK/b" "$base" ann@example.org Ann-pass-1)"
expect_match "a code is asked for" 'name="code"' "$(cat "$WORK/logon-answer.html")"
expect_match "her first session still works" 'ann@example.org' "$(curl -s -b "$WORK/a" "$base/mail")"

out=$(admin user totp reset ann@example.org)
expect_match "the operator resets it" 'two-step verification of ann@example.org reset \(it was on\)' "$out"
expect_match "her session has ended" 'name="password"' "$(curl -s -b "$WORK/a" "$base/mail")"
expect_no_match "nobody is logged on there" 'ann@example.org' "$(curl -s -b "$WORK/a" "$base/mail")"
expect_eq "the password alone logs on again" "303 $base/mail" \
	"$(logon "$WORK/c" "$base" ann@example.org Ann-pass-1)"
if admin user totp reset nobody@example.org >/dev/null 2>&1; then
	fail "an unknown user is refused"
else
	pass "an unknown user is refused"
fi
finish
