#!/usr/bin/env bash
# `user revoke` ends a user's remembered logons ("Remember me") and says how
# many; other users keep theirs.
. "$(dirname "$0")/lib.sh"
new_instance
admin domain add example.org >/dev/null
printf 'Correct-Horse-1\n' >"$WORK/pw"
chmod 600 "$WORK/pw"
admin user add alice@example.org --password-file "$WORK/pw" >/dev/null &&
	admin user add bob@example.org --password-file "$WORK/pw" >/dev/null ||
	{ fail "add two users"; finish; }
# Remembered logons are in the session store: made by logging on with Remember me.
remembered() { LOGON_EXTRA="remember=1" logon "$WORK/jar$1" "http://127.0.0.1:$HTTP_PORT" "$2" Correct-Horse-1 >/dev/null; cookie_of "$WORK/jar$1" webmsg_remember; }
resumes() { ! curl -s -b "webmsg_remember=$1" "http://127.0.0.1:$HTTP_PORT/mail" | grep -q "name=\"password\""; }
admin service start >/dev/null || { fail "the daemon starts"; finish; }
a1=$(remembered 1 alice@example.org)
a2=$(remembered 2 alice@example.org)
b1=$(remembered 3 bob@example.org)
check "three remembered logons" test -n "$a1" -a -n "$a2" -a -n "$b1"

expect_match "help lists user revoke" 'user revoke ADDRESS' "$(admin help user)"
out=$(admin user revoke Alice@Example.org 2>&1)
expect_eq "revoke says how many it ended" "ended the sessions and 2 remembered logon(s) of alice@example.org" "$out"
check "alice's no longer log on" eval '! resumes "$a1" && ! resumes "$a2"'
check "bob's still does" resumes "$b1"
expect_eq "revoking again ends none" "ended the sessions and 0 remembered logon(s) of alice@example.org" \
	"$(admin user revoke alice@example.org 2>&1)"
out=$(admin user revoke carol@example.org 2>&1)
expect_eq "an unknown user fails" 1 "$?"
expect_match "and says so" 'there is no user carol@example.org' "$out"
out=$(admin user revoke not-an-address 2>&1)
expect_eq "a malformed address fails" 1 "$?"
out=$(admin user revoke 2>&1)
expect_eq "the address is required" 2 "$?"
finish
