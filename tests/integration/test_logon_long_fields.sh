#!/usr/bin/env bash
# Fields longer than the parent process takes, typed into the logon form (a
# password of 3,000 characters, a second-factor code and its token of
# hundreds): each is refused as a wrong logon, and logons keep working for
# everyone afterwards. The worker's requests to the parent go over eight
# channels; a request with a field too long once made the parent close its
# channel, so eight such forms ended every logon until a restart.
. "$(dirname "$0")/lib.sh"
new_instance
add_user ann@example.org 'Ann-pass-1'
base="http://127.0.0.1:$HTTP_PORT"
admin service start >/dev/null || { fail "the daemon starts"; finish; }

long=$(head -c 3000 /dev/zero | tr '\0' 'x')
for i in $(seq 12); do
	out=$(logon "$WORK/jar$i" "$base" ann@example.org "$long")
	[ "${out%% *}" = 401 ] || break
done
expect_eq "a 3,000-character password is a wrong password, twelve times" 401 "${out%% *}"
expect_match "it says so" 'user ID or password is wrong' "$(cat "$WORK/logon-answer.html")"

# The second step's form: its token and code far longer than any.
code_form() {
	curl -s -c "$WORK/code" -b "$WORK/code" "$base/" -o "$WORK/code-form.html"
	curl -s -c "$WORK/code" -b "$WORK/code" -o /dev/null -w '%{http_code}' \
		--data-urlencode "csrf=$(csrf_of "$WORK/code-form.html")" \
		--data-urlencode "totp_token=$(head -c 300 /dev/zero | tr '\0' 'A')" \
		--data-urlencode "code=$(head -c 500 /dev/zero | tr '\0' '1')" "$base/logon"
}
for _ in $(seq 12); do
	code=$(code_form)
done
expect_match "an overlong code is refused as a logon, not served ($code)" '^(200|401|403)$' "$code"
out=$(curl -s -o /dev/null -w '%{http_code}' "$base/")
expect_eq "after twelve overlong code forms the logon page answers" 200 "$out"

expect_eq "ann still logs on" "303 $base/mail" \
	"$(logon "$WORK/ann" "$base" ann@example.org Ann-pass-1)"
expect_no_match "the parent closed no channel" 'malformed request' "$(cat "$WORK/webmsgd.log")"
finish
