#!/usr/bin/env bash
# The console's Domains screen shows each domain's two-step verification
# policy and sets it (t): the choice is saved in the database, and Off for a
# domain whose users set up keys says how many and asks first.
. "$(dirname "$0")/lib.sh"
new_instance
admin domain add example.org >/dev/null
printf '%s\n' 'Correct-Horse-1' | admin user add bob@example.org >/dev/null
# As if bob had set it up (the key is sealed; any non-empty value means on).
sqlite3 "$WEBMSG_CONFIG" "update users set totp_secret = 'v1:00' where name = 'bob'"
policy() { sqlite3 "$WEBMSG_CONFIG" "select totp_policy from domains where name = 'example.org'"; }

console_start c
check "Domains opens" select_node c 'Domains'
check "the policy column is shown" wait_screen c '2-step +Users'
check "example.org inherits" wait_screen c 'example\.org +inherit +1 user'
check "the key bar offers the policy" wait_screen c 't 2-step policy'
keys c t
check "t offers the choices" wait_screen c 'Users choose'
keys c R
check "Required is shown" wait_screen c 'example\.org +required +1 user'
expect_eq "and saved" required "$(policy)"
keys c t
wait_screen c 'Users choose' >/dev/null
keys c O
check "Off for enrolled users asks first" wait_screen c '1 user of example\.org set up two-step verification'
keys c n
expect_eq "No keeps the policy" required "$(policy)"
keys c t
wait_screen c 'Users choose' >/dev/null
keys c O
wait_screen c 'set up two-step verification' >/dev/null
keys c y
check "Yes turns it off" wait_screen c 'example\.org +off +1 user'
expect_eq "off in the database" off "$(policy)"
expect_match "the CLI agrees" 'totp +off' "$(admin domain show example.org)"
keys c q
check "q quits" console_ended c
finish
