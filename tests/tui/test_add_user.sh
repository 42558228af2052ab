#!/usr/bin/env bash
# Domains and users in the console: a domain added, a user added with a
# password typed twice and never shown, its password changed, its remembered
# logons revoked, and the user deleted after a confirmation.
. "$(dirname "$0")/lib.sh"
new_instance
users() { sqlite3 "$WEBMSG_CONFIG" "select name || '@' || domain from users order by 1"; }

console_start c
check "Domains opens" select_node c 'Domains'
check "it says there are none" wait_screen c 'no mail domains yet'
keys c n
check "n asks for a domain" wait_screen c 'Domain name'
type_text c Example.ORG
keys c Enter
check "the domain is listed" wait_screen c 'example\.org +inherit +0 users'
check "and in the tree" wait_screen c '└─example\.org'
keys c Enter
check "Enter opens its users" wait_screen c 'Users of example\.org'

keys c n
check "n asks for a user name" wait_screen c 'User name'
type_text c alice
keys c Enter
check "then for the password" wait_screen c 'Password for alice@example\.org'
type_text c 'Correct-Horse-1'
expect_no_match "the password is not shown" 'Correct-Horse' "$(screen c)"
keys c Enter
check "and asks for it again" wait_screen c 'Again, to be sure'
type_text c 'Correct-Horse-1'
keys c Enter
check "the user is added" wait_screen c 'added user alice@example\.org'
keys c Enter
check "and listed with today's date" wait_screen c "alice@example\.org +$(date -u +%Y-%m-%d)|alice@example\.org +$(date +%Y-%m-%d)"
expect_eq "the database has the user" alice@example.org "$(users)"
expect_match "with an Argon2id hash, not the password" '^\$argon2id\$' "$(sqlite3 "$WEBMSG_CONFIG" "select password_hash from users where name = 'alice'")"
expect_match "webmsg-admin user list shows it" '^alice@example\.org' "$(admin user list)"
admin service start >/dev/null
out=$(logon "$WORK/jar" "http://127.0.0.1:$HTTP_PORT" alice@example.org 'Correct-Horse-1')
expect_eq "the new user logs on over HTTP" "303 http://127.0.0.1:$HTTP_PORT/mail" "$out"

keys c n
type_text c alice
keys c Enter
check "a user that exists is refused before any password" wait_screen c 'user alice@example\.org already exists'
keys c Enter

hash=$(sqlite3 "$WEBMSG_CONFIG" "select password_hash from users where name = 'alice'")
keys c p
check "p asks for a new password" wait_screen c 'New password for alice@example\.org'
type_text c 'first-try-1'
keys c Enter
type_text c 'second-try-2'
keys c Enter
check "two different passwords are refused" wait_screen c 'The two passwords differ'
keys c Enter
check "and asked for again" wait_screen c 'New password for alice@example\.org'
type_text c 'Battery-Staple-2'
keys c Enter
type_text c 'Battery-Staple-2'
keys c Enter
check "the password is changed" wait_screen c 'changed the password of alice@example\.org'
keys c Enter
check "the stored hash is new" test "$hash" != "$(sqlite3 "$WEBMSG_CONFIG" "select password_hash from users where name = 'alice'")"
out=$(logon "$WORK/jar2" "http://127.0.0.1:$HTTP_PORT" alice@example.org 'Correct-Horse-1')
expect_eq "the old password no longer logs on" 401 "${out%% *}"
out=$(logon "$WORK/jar3" "http://127.0.0.1:$HTTP_PORT" alice@example.org 'Battery-Staple-2')
expect_eq "the new one does" "303 http://127.0.0.1:$HTTP_PORT/mail" "$out"

# Two remembered logons ("Remember me"), kept in the session store.
for j in r1 r2; do
	LOGON_EXTRA="remember=1" logon "$WORK/$j" "http://127.0.0.1:$HTTP_PORT" alice@example.org 'Battery-Staple-2' >/dev/null
done
r1=$(cookie_of "$WORK/r1" webmsg_remember)
keys c v
check "v asks before revoking" wait_screen c 'End every session and remembered logon of alice@example\.org'
keys c y
check "and says how many it ended" wait_screen c 'ended the sessions and 2 remembered logon\(s\) of alice@example\.org'
keys c Enter
expect_match "the tokens are gone" 'name="password"' "$(curl -s -b "webmsg_remember=$r1" "http://127.0.0.1:$HTTP_PORT/mail")"

keys c d
check "d asks before deleting" wait_screen c 'Delete the user alice@example\.org\?'
keys c n
check "No keeps the user" wait_screen c 'alice@example\.org +[0-9]'
expect_eq "in the database too" alice@example.org "$(users)"
keys c d
wait_screen c 'Delete the user' >/dev/null
keys c y
check "Yes deletes it" wait_screen c 'deleted user alice@example\.org'
keys c Enter
check "the list is empty" wait_screen c 'no users yet'
expect_eq "and the database" "" "$(users)"
keys c q
check "q quits" console_ended c
finish
