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
tokens() { sqlite3 "$WEBMSG_CONFIG" "select count(*) from remember_tokens where name = '$1'"; }
now=$(date +%s)
sqlite3 "$WEBMSG_CONFIG" "insert into remember_tokens (selector, validator_hash, domain, name, created, expires) values
	('a1', 'h', 'example.org', 'alice', $now, $((now + 86400))),
	('a2', 'h', 'example.org', 'alice', $now, $((now + 86400))),
	('b1', 'h', 'example.org', 'bob', $now, $((now + 86400)))"

expect_match "help lists user revoke" 'user revoke ADDRESS' "$(admin help user)"
out=$(admin user revoke Alice@Example.org 2>&1)
expect_eq "revoke says how many it ended" "ended the sessions and 2 remembered logon(s) of alice@example.org" "$out"
expect_eq "alice has none left" 0 "$(tokens alice)"
expect_eq "bob keeps his" 1 "$(tokens bob)"
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
