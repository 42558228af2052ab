#!/usr/bin/env bash
# A database that is missing or unreadable: the console says so and offers
# Retry and Quit; it goes on once the database is back, and quits cleanly.
. "$(dirname "$0")/lib.sh"

console_start c
check "a missing database is said to be unavailable" wait_screen c 'Database unavailable'
check "with the reason" wait_screen c 'webmsg\.db'
check "and Retry and Quit" wait_screen c '< Retry > < Quit >'
keys c Enter
check "Retry while it is still missing asks again" wait_screen c 'Database unavailable'
new_instance
keys c Enter
check "once it exists, Retry opens the console" wait_screen c 'Status'
check "and draws it whole" frame_ok c 80 24

cp "$WEBMSG_CONFIG" "$WORK/good.db"
rm -f "$WEBMSG_CONFIG-wal" "$WEBMSG_CONFIG-shm"
head -c 8192 /dev/urandom >"$WEBMSG_CONFIG"
check "a database that goes bad is said to be unavailable" wait_screen c 'Database unavailable'
cat "$WORK/good.db" >"$WEBMSG_CONFIG"
keys c Enter
check "Retry after it is restored goes on" wait_gone c 'Database unavailable'
check "with the console drawn" frame_ok c 80 24

head -c 8192 /dev/urandom >"$WEBMSG_CONFIG"
wait_screen c 'Database unavailable' >/dev/null
keys c Right Enter
check "Quit ends the console" console_ended c
expect_eq "without a crash" 0 "$ENDED_STATUS"
finish
