#!/usr/bin/env bash
# A bad configuration database gets a clear message and is never changed.
. "$(dirname "$0")/lib.sh"

digest() { sha256sum "$1" | cut -d' ' -f1; }

# expect_refused NAME PATTERN: both programs refuse $WEBMSG_CONFIG, and leave it as it was.
expect_refused() {
	local name=$1 pattern=$2 before out
	before=$(digest "$WEBMSG_CONFIG")
	out=$(admin config list 2>&1)
	expect_eq "$name: webmsg-admin exits 1" 1 "$?"
	expect_match "$name: webmsg-admin says why" "$pattern" "$out"
	out=$("$WEBMSG_DAEMON" -c "$WEBMSG_CONFIG" 2>&1)
	expect_eq "$name: webmsgd exits 1" 1 "$?"
	expect_match "$name: webmsgd says why" "$pattern" "$out"
	out=$(admin init 2>&1)
	expect_match "$name: init refuses to overwrite it" 'already exists' "$out"
	expect_eq "$name: the file is unchanged" "$before" "$(digest "$WEBMSG_CONFIG")"
}

out=$(admin config list 2>&1)
expect_match "a missing database says how to make one" 'no configuration database.*init' "$out"

printf 'this is not a database\n%.0s' $(seq 100) > "$WEBMSG_CONFIG"
expect_refused "text file" 'not an SQLite database'

: > "$WEBMSG_CONFIG"
expect_refused "empty file" 'empty'

rm -f "$WEBMSG_CONFIG"
sqlite3 "$WEBMSG_CONFIG" 'CREATE TABLE photos (id INTEGER); INSERT INTO photos VALUES (1);'
expect_refused "another program's database" 'some other program'

rm -f "$WEBMSG_CONFIG"
admin init >/dev/null
mode=$(stat -c %a "$WEBMSG_CONFIG")
# Served as whoever runs the test, as lib.sh's instances are.
admin config set service.user "$(id -un)" >/dev/null
admin config set service.group "$(id -gn)" >/dev/null
expect_eq "a new database is mode 0600" 600 "$mode"
for i in $(seq 40); do admin config set session.idle_timeout $((600 + i)) >/dev/null; done
sqlite3 "$WEBMSG_CONFIG" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
latest=$(sqlite3 "$WEBMSG_CONFIG" 'PRAGMA user_version')
cp "$WEBMSG_CONFIG" "$WORK/good.db"

sqlite3 "$WEBMSG_CONFIG" "PRAGMA user_version = $((latest + 1))"
expect_refused "a database from a newer webmsg" 'newer webmsg'

cp "$WORK/good.db" "$WEBMSG_CONFIG"
rm -f "$WEBMSG_CONFIG-wal" "$WEBMSG_CONFIG-shm"
size=$(stat -c %s "$WEBMSG_CONFIG")
# Overwrite everything after the first page: a disk that lost its data.
dd if=/dev/urandom of="$WEBMSG_CONFIG" bs=4096 seek=1 count=$(((size / 4096) - 1)) conv=notrunc status=none
expect_refused "a corrupt database" 'corrupt'

cp "$WORK/good.db" "$WEBMSG_CONFIG"
rm -f "$WEBMSG_CONFIG-wal" "$WEBMSG_CONFIG-shm"
out=$(admin config get session.idle_timeout 2>&1)
expect_eq "the intact copy still reads" 640 "$out"

# webmsgd -n lists every problem of a configuration stored behind the program's back.
sqlite3 "$WEBMSG_CONFIG" "INSERT INTO settings VALUES ('web.http_port', '99999'), ('log.level', 'loud')
	ON CONFLICT DO UPDATE SET value = excluded.value;"
out=$("$WEBMSG_DAEMON" -n -c "$WEBMSG_CONFIG" 2>&1)
expect_eq "webmsgd -n exits 1 on a bad configuration" 1 "$?"
expect_match "webmsgd -n names the bad port" 'web.http_port: 99999 is outside 1..65535' "$out"
expect_match "webmsgd -n names the bad log level" "log.level: 'loud' is not one of" "$out"
out=$(admin service start 2>&1)
expect_eq "the daemon does not start on it" 1 "$?"
expect_match "and says why" 'web.http_port' "$out"

sqlite3 "$WEBMSG_CONFIG" "DELETE FROM settings WHERE key IN ('web.http_port', 'log.level')"
out=$("$WEBMSG_DAEMON" -n -c "$WEBMSG_CONFIG" 2>&1)
expect_match "webmsgd -n passes a good configuration" 'is valid' "$out"

# A database locked by another program: a clear message, and nothing lost.
python3 -c 'import sqlite3,sys,time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").close()
time.sleep(8)' "$WEBMSG_CONFIG" "$WORK/locked" &
locker=$!
wait_for 5 test -e "$WORK/locked"
out=$(admin config set session.idle_timeout 900 2>&1)
expect_eq "a change while the database is locked fails" 1 "$?"
expect_match "and says it is locked" 'locked' "$out"
wait "$locker" 2>/dev/null
expect_eq "the setting kept its value" 640 "$(admin config get session.idle_timeout 2>&1)"
finish
