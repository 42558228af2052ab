#!/usr/bin/env bash
# The console's Users screen resets a user's two-step verification (t): after
# a confirmation the second factor is off in the database, its recovery codes
# are gone, and the screen says what was done.
. "$(dirname "$0")/lib.sh"
new_instance
admin domain add example.org >/dev/null
printf '%s\n' 'Correct-Horse-1' | admin user add bob@example.org >/dev/null
# As if bob had set it up (the key is sealed; any non-empty value means on).
sqlite3 "$WEBMSG_CONFIG" "update users set totp_secret = 'v1:00' where name = 'bob';
	insert into totp_recovery (domain, name, hash) values ('example.org', 'bob', 'x')"

console_start c
check "Domains opens" select_node c 'Domains'
check "example.org is listed" wait_screen c 'example\.org +inherit +1 user'
keys c Enter
check "Enter opens its users" wait_screen c 'Users of example\.org'
check "the key bar offers the reset" wait_screen c 't Reset 2-step'
keys c t
check "t asks before resetting" wait_screen c 'Turn off two-step verification of bob@example\.org'
keys c n
expect_eq "No keeps it on" 'v1:00' "$(sqlite3 "$WEBMSG_CONFIG" "select totp_secret from users")"
keys c t
wait_screen c 'Turn off two-step verification' >/dev/null
keys c y
check "Yes resets it and says so" wait_screen c 'two-step verification of bob@example\.org reset \(it was on\)'
keys c Enter
expect_eq "it is off in the database" '' "$(sqlite3 "$WEBMSG_CONFIG" "select totp_secret from users")"
expect_eq "the recovery codes are gone" 0 "$(sqlite3 "$WEBMSG_CONFIG" "select count(*) from totp_recovery")"
keys c q
check "q quits" console_ended c
finish
