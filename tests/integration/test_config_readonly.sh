#!/usr/bin/env bash
# webmsg-admin config list, get and history on a database that cannot be
# written (a read-only file system, a copy for inspection); changes are still
# refused with a reason. Needs root for a read-only bind mount; without it
# the test says so and passes nothing.
. "$(dirname "$0")/lib.sh"
new_instance
admin config set mail.quota_mb 50 >/dev/null || fail "set a value to read back"
ro=$WORK/ro
mkdir -p "$ro"
if [ "$(id -u)" -ne 0 ] || ! mount --bind "$WORK" "$ro" 2>/dev/null; then
	echo "skip - a read-only bind mount needs root (run as root to test it)"
	exit 0
fi
trap 'umount "$ro" 2>/dev/null; cleanup' EXIT
mount -o remount,ro,bind "$ro" || { fail "make the bind mount read-only"; finish; }
db=$ro/webmsg.db
check "the database cannot be written there" bash -c "! touch '$db' 2>/dev/null"

out=$(admin -c "$db" config list 2>&1)
expect_eq "config list works on a read-only file system" 0 "$?"
expect_match "and shows the stored values" 'mail\.quota_mb +50$' "$out"
expect_match "and the defaults" 'mail\.max_message_mb +25 +\(default\)' "$out"
expect_eq "config get works" 50 "$(admin -c "$db" config get mail.quota_mb 2>&1)"
expect_match "config history works" 'mail\.quota_mb +1024 \(default\) → 50' "$(admin -c "$db" config history 2>&1)"
out=$(admin -c "$db" config set mail.quota_mb 60 2>&1)
expect_eq "a change is refused" 1 "$?"
expect_eq "and nothing changed" 50 "$(admin config get mail.quota_mb 2>&1)"
finish
