#!/usr/bin/env bash
# A user deleted, given a new password or revoked by the administrator is
# logged off at once on the running daemon: the next request of the open
# session gets the logon page. Other users' sessions go on.
. "$(dirname "$0")/lib.sh"
new_instance
add_user ann@example.org 'Ann-pass-1'
add_user bob@example.org 'Bob-pass-2'
admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"

# logged_on JAR: 0 when the jar's session still opens the mailbox.
logged_on() { curl -s -b "$1" "$base/mail" | grep -q 'name="csrf"' && ! curl -s -b "$1" "$base/mail" | grep -q 'name="password"'; }
logged_off() { ! logged_on "$1"; }
fresh_logon() { rm -f "$1"; logon "$1" "$base" "$2" "$3" >/dev/null; }

fresh_logon "$WORK/ann" ann@example.org Ann-pass-1
fresh_logon "$WORK/bob" bob@example.org Bob-pass-2
check "ann is logged on" logged_on "$WORK/ann"
check "bob is logged on" logged_on "$WORK/bob"
pid=$(daemon_pid)

echo 'Ann-pass-new' | admin user passwd ann@example.org >/dev/null
check "a new password logs ann's open session off" logged_off "$WORK/ann"
check "bob's session goes on" logged_on "$WORK/bob"

fresh_logon "$WORK/ann" ann@example.org Ann-pass-new
check "ann logs on with the new password" logged_on "$WORK/ann"
admin user revoke ann@example.org >/dev/null
check "user revoke logs ann's open session off" logged_off "$WORK/ann"
check "bob's session still goes on" logged_on "$WORK/bob"

fresh_logon "$WORK/ann" ann@example.org Ann-pass-new
check "ann logs on again" logged_on "$WORK/ann"
cp "$WORK/ann" "$WORK/ann-old"
admin user del ann@example.org >/dev/null
check "a deleted user's session ends" logged_off "$WORK/ann-old"
add_user ann@example.org 'Ann-pass-new'
check "and does not come back when a user of that name is added again" \
	logged_off "$WORK/ann-old"
check "bob's session survived all of it" logged_on "$WORK/bob"
expect_eq "no restart was needed" "$pid" "$(daemon_pid)"
finish
