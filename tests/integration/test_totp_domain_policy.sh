#!/usr/bin/env bash
# A domain's own two-step verification policy overrides login.totp for its
# users: set and shown by `domain set/show/list`; `required` sends a user
# without a key to set one up while the setting says optional; `off` lets an
# enrolled user in with the password alone (the key is kept: back to inherit,
# the code is asked again); `optional` spares a domain when the setting says
# required. A wrong code on the set-up page is logged with the user of the
# pending logon, never with the name the form carries.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/totp_lib.sh"
new_instance
add_user ann@example.org 'Ann-pass-1'
add_user bob@strict.org 'Bob-pass-1'
add_user cat@loose.org 'Cat-pass-1'
add_user dan@spared.org 'Dan-pass-1'

out=$(admin domain list)
expect_match "domain list shows what a domain inherits" 'strict.org +1 user +totp inherit \(optional\)' "$out"
out=$(admin domain set strict.org totp required)
expect_eq "domain set takes a policy" 0 "$?"
expect_match "and says it" 'domain strict.org: totp required' "$out"
expect_match "domain show has it" 'totp +required' "$(admin domain show strict.org)"
expect_match "domain list too" 'strict.org +1 user +totp required' "$(admin domain list)"
out=$(admin domain set strict.org totp sometimes 2>&1)
expect_eq "an unknown policy is refused" 1 "$?"
expect_match "naming the choices" "'sometimes' is not a TOTP policy \(inherit, off, optional or required\)" "$out"
expect_match "and the policy is unchanged" 'totp +required' "$(admin domain show strict.org)"
out=$(admin domain set nowhere.org totp off 2>&1)
expect_match "an unknown domain is refused" 'there is no domain nowhere.org' "$out"

admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"

# login.totp is optional: ann (inherit) goes in, bob (required) must enrol.
expect_eq "ann, with no key, goes in" "303 $base/mail" \
	"$(logon "$WORK/a" "$base" ann@example.org Ann-pass-1)"
expect_eq "bob's password leads to a page" "200 " \
	"$(logon "$WORK/b" "$base" bob@strict.org Bob-pass-1)"
page=$(cat "$WORK/logon-answer.html")
expect_match "the page sets up two-step verification" 'name="enrol" value="1"' "$page"
expect_match "showing a key" 'id="totp-secret">[A-Z2-7]{32}<' "$page"
expect_no_match "bob has no mailbox yet" 'bob@strict.org' "$(curl -s -b "$WORK/b" "$base/mail")"
# A wrong code, with another name in the form's account field.
token=$(grep -o 'name="totp_token" value="[^"]*"' "$WORK/logon-answer.html" | sed 's/.*value="//; s/"$//')
curl -s -b "$WORK/b" -c "$WORK/b" --data-urlencode "csrf=$(csrf_of "$WORK/logon-answer.html")" \
	--data-urlencode "totp_token=$token" --data-urlencode enrol=1 \
	--data-urlencode "account=mallory@example.org" --data-urlencode code=000000 \
	-o /dev/null "$base/logon"
expect_match "a wrong set-up code is logged with the pending logon's user" \
	'logon failed for user "bob@strict.org" from 127.0.0.1' "$(cat "$WORK/webmsgd.log")"
expect_no_match "not with the name the form carried" 'mallory' "$(cat "$WORK/webmsgd.log")"

# cat sets up a key while her domain inherits optional; then off.
expect_eq "cat goes in" "303 $base/mail" "$(logon "$WORK/c" "$base" cat@loose.org Cat-pass-1)"
secret=$(totp_enrol "$WORK/c")
expect_match "cat sets up two-step verification" '^[A-Z2-7]{32}$' "$secret"
expect_eq "then her password leads to the code page" "200 " \
	"$(logon "$WORK/c2" "$base" cat@loose.org Cat-pass-1)"
expect_match "which asks for a code" 'name="code"' "$(cat "$WORK/logon-answer.html")"
out=$(admin domain set loose.org totp off)
expect_match "setting off says who loses the second step" \
	'1 user of loose.org set up two-step verification; from now on is logged on with the password alone' "$out"
expect_eq "with off, cat's password alone logs on" "303 $base/mail" \
	"$(logon "$WORK/c3" "$base" cat@loose.org Cat-pass-1)"
expect_match "into her mailbox" 'cat@loose.org' "$(curl -s -b "$WORK/c3" "$base/mail")"
page=$(curl -s -b "$WORK/c3" "$base/settings")
expect_no_match "her settings do not offer to set it up" 'value="totp_begin"' "$page"
expect_match "they say her key is kept" 'Your authenticator key is kept' "$page"
admin domain set loose.org totp inherit >/dev/null
expect_eq "back to inherit, her key is asked for again" "200 " \
	"$(logon "$WORK/c4" "$base" cat@loose.org Cat-pass-1)"
expect_eq "and her code logs her on" "303 $base/mail" \
	"$(code_logon "$WORK/c4" "$(fresh_code "$secret")")"

# Off again, she removes the kept key herself: with a wrong password not,
# with her password yes; back to inherit, her password alone logs on.
admin domain set loose.org totp off >/dev/null
csrf=$(csrf_of <(curl -s -b "$WORK/c3" "$base/settings"))
remove_key() {
	curl -s -b "$WORK/c3" -o "$WORK/remove.html" -w '%{http_code}' \
		--data-urlencode "csrf=$csrf" -d op=totp_off --data-urlencode "password=$1" \
		"$base/settings"
}
expect_eq "a wrong password does not remove it" 401 "$(remove_key Not-her-pass)"
expect_match "saying so" 'neither your password nor a current code' "$(cat "$WORK/remove.html")"
expect_eq "her password removes it" 303 "$(remove_key Cat-pass-1)"
expect_no_match "and the section is gone" 'id="totp"' "$(curl -s -b "$WORK/c3" "$base/settings")"
admin domain set loose.org totp inherit >/dev/null
expect_eq "back to inherit, her password alone logs on" "303 $base/mail" \
	"$(logon "$WORK/c5" "$base" cat@loose.org Cat-pass-1)"

# login.totp required: a domain set to optional is spared.
admin config set login.totp required >/dev/null
admin domain set spared.org totp optional >/dev/null
expect_eq "ann (inherit) must now set one up" "200 " \
	"$(logon "$WORK/a2" "$base" ann@example.org Ann-pass-1)"
expect_match "on the set-up page" 'name="enrol" value="1"' "$(cat "$WORK/logon-answer.html")"
expect_eq "dan (optional) goes in with the password" "303 $base/mail" \
	"$(logon "$WORK/d" "$base" dan@spared.org Dan-pass-1)"
finish
