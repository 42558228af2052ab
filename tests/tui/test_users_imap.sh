#!/usr/bin/env bash
# The console's Users screen with mail.store imap says, above its list, that
# users log on with their accounts on the IMAP server, and the domain of
# logon names without @ (mail.imap_sender_domain); with Maildir it does not.
# The list and its keys work below the note.
. "$(dirname "$0")/lib.sh"
new_instance
admin domain add example.org >/dev/null
printf '%s\n' 'Correct-Horse-1' | admin user add bob@example.org >/dev/null

console_start c
check "Domains opens" select_node c 'Domains'
check "example.org is listed" wait_screen c 'example\.org +inherit +1 user'
keys c Enter
check "Enter opens its users" wait_screen c 'Users of example\.org'
check "bob is listed" wait_screen c 'bob@example\.org'
expect_no_match "with Maildir, no word of an IMAP server" 'IMAP server' "$(screen c)"
keys c q
check "q quits" console_ended c

admin config set mail.imap_server 127.0.0.1:993 >/dev/null &&
	admin config set mail.store imap >/dev/null || fail "mail.store imap"
console_start d
check "Domains opens again" select_node d 'Domains'
wait_screen d 'example\.org +inherit +1 user' >/dev/null
keys d Enter
check "the users screen opens" wait_screen d 'Users of example\.org'
check "it says users log on with the IMAP server's accounts" \
	wait_screen d 'mail.store is imap: users log on with their accounts'
check "naming the server" wait_screen d '127\.0\.0\.1:993'
check "and that names without @ have no sender domain" wait_screen d 'they cannot send'
check "naming the setting" wait_screen d 'mail\.imap_sender_domain'
check "the list is still there below" wait_screen d 'bob@example\.org'
keys d q
check "q quits" console_ended d
finish
