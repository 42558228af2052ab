#!/usr/bin/env bash
# Reading mail when the mail root's disk is full, and when its file system is
# read-only: the mailbox lists (read-only, from the Maildir itself) and
# messages open, where every page used to answer 500. Needs root for a small
# tmpfs of its own; without it the test says so and passes nothing.
. "$(dirname "$0")/lib.sh"
mnt=$WORK/mailfs
mkdir -p "$mnt"
if [ "$(id -u)" -ne 0 ] || ! mount -t tmpfs -o size=2m,mode=0700 webmsg-test "$mnt" 2>/dev/null; then
	echo "skip - mounting a small tmpfs needs root (run as root to test a full disk)"
	exit 0
fi
trap 'umount "$mnt" 2>/dev/null; cleanup' EXIT

new_instance
add_user ann@example.org 'Ann-pass-1'
admin config set mail.root "$mnt" >/dev/null
admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"
jar=$WORK/jar
box=$mnt/example.org/ann

logon "$jar" "$base" ann@example.org Ann-pass-1 >/dev/null
expect_eq "the mailbox opens" 200 "$(http_code -b "$jar" "$base/mail")"

# Mail another program delivered (as Postfix does), not in the index yet:
# listing it means writing the index.
drop() {
	printf 'From: Bob <bob@example.org>\r\nTo: ann@example.org\r\nSubject: %s\r\nDate: Mon, 2 Mar 2026 10:0%s:00 +0000\r\n\r\n%s\r\n' \
		"$2" "$3" "$4" > "$box/new/$1"
}
drop 1772445600.disk1.mx "Before the disk filled" 1 "First body."
drop 1772445660.disk2.mx "Last one in" 2 "The body that must still be readable."

# Fill the disk to the last block.
dd if=/dev/zero of="$mnt/filler" bs=16k 2>/dev/null
check "the mail root's disk is full" bash -c "! printf x > '$mnt/one-more-byte' 2>/dev/null"

page=$(curl -s -w '\n%{http_code}' -b "$jar" "$base/mail")
expect_eq "with a full disk the mailbox still lists" 200 "${page##*$'\n'}"
expect_match "with the mail that arrived" 'Last one in' "$page"
expect_match "and the other" 'Before the disk filled' "$page"
expect_match "and says why it is plainer" 'read-only just now' "$page"
read=$(curl -s -w '\n%{http_code}' -b "$jar" "$base/mail/read?f=INBOX&id=1772445660.disk2.mx")
expect_eq "a message opens" 200 "${read##*$'\n'}"
expect_match "with its text" 'The body that must still be readable' "$read"
expect_eq "other folders list too" 200 "$(http_code -b "$jar" "$base/mail?f=Sent")"

# A read-only file system (a remount, a snapshot): the same.
rm -f "$mnt/filler"
drop 1772445720.disk3.mx "While read-only" 3 "Read-only body."
mount -o remount,ro "$mnt" || { fail "remount the mail root read-only"; finish; }
page=$(curl -s -w '\n%{http_code}' -b "$jar" "$base/mail")
expect_eq "on a read-only file system the mailbox lists" 200 "${page##*$'\n'}"
expect_match "with the newest mail" 'While read-only' "$page"
read=$(curl -s -w '\n%{http_code}' -b "$jar" "$base/mail/read?f=INBOX&id=1772445720.disk3.mx")
expect_eq "and a message opens" 200 "${read##*$'\n'}"
expect_match "with its text" 'Read-only body' "$read"

# With room again, the index is used again and catches up.
mount -o remount,rw "$mnt"
page=$(curl -s -b "$jar" "$base/mail")
expect_no_match "with room again the notice goes" 'read-only just now' "$page"
expect_match "and the list has the mail of the read-only time" 'While read-only' "$page"
expect_match "and of the full disk" 'Last one in' "$page"
finish
