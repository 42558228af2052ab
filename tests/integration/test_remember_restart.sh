#!/usr/bin/env bash
# Remembered logons ("Remember me") live in the session store: one made
# before `service restart` logs on after it, and an upgrade from a database
# that kept them in its own table (schema 5) moves them there: the table is
# gone and a browser remembered before the upgrade is still remembered.
. "$(dirname "$0")/lib.sh"
new_instance
add_user ann@example.org 'Ann-pass-1'
add_user bob@example.org 'Bob-pass-2'
base="http://127.0.0.1:$HTTP_PORT"
store="$WORK/webmsg-sessions.db"
sql_dir="$WEBMSG_SHARE_DIR/sql"

# resumes COOKIE: 0 when a browser with only this remember-me cookie reads
# the mailbox; the rotated cookie lands in $WORK/resumed.
resumes() {
	printf '127.0.0.1\tFALSE\t/\tFALSE\t0\twebmsg_remember\t%s\n' "$1" >"$WORK/resumed"
	local page
	page=$(curl -s -b "$WORK/resumed" -c "$WORK/resumed" "$base/mail")
	grep -q 'name="csrf"' <<<"$page" && ! grep -q 'name="password"' <<<"$page"
}
has_table() { sqlite3 "$WEBMSG_CONFIG" "SELECT count(*) FROM sqlite_master WHERE name = 'remember_tokens'"; }

admin service start >/dev/null || { fail "the daemon starts"; finish; }
LOGON_EXTRA="remember=1" logon "$WORK/ann" "$base" ann@example.org Ann-pass-1 >/dev/null
remember=$(cookie_of "$WORK/ann" webmsg_remember)
check "ann is remembered" test -n "$remember"

pid=$(daemon_pid)
admin service restart >/dev/null
check "the daemon was restarted" test -n "$(daemon_pid)" -a "$pid" != "$(daemon_pid)"
check "after the restart the remember-me cookie alone logs ann on" resumes "$remember"
rotated=$(cookie_of "$WORK/resumed" webmsg_remember)
check "and it was replaced on use" test -n "$rotated" -a "$rotated" != "$remember"
pid=$(daemon_pid)
admin service restart >/dev/null
check "the replaced one works after another restart" resumes "$rotated"
expect_eq "the configuration database has no remember table" 0 "$(has_table)"

# An old database: schema 5, the token in its remember_tokens table.
admin service stop >/dev/null
check "the daemon stopped" test -z "$(daemon_pid)"
rm -f "$store" "$store-wal" "$store-shm"
# The table as the migrations made it: its statements from 003 and 005.
{
	sed -n '/^CREATE TABLE remember_tokens/,/^CREATE INDEX remember_tokens_user/p' \
		"$sql_dir/003-remember-sessions.sql"
	grep '^ALTER TABLE remember_tokens' "$sql_dir/005-remember-grace.sql"
	# Without what later versions added (007: TOTP, 008: domain policy).
	echo 'DROP TABLE totp_recovery;'
	for c in totp_secret totp_pending totp_last_step; do
		echo "ALTER TABLE users DROP COLUMN $c;"
	done
	echo 'ALTER TABLE domains DROP COLUMN totp_policy;'
	echo 'PRAGMA user_version = 5;'
} >"$WORK/schema5.sql"
sqlite3 "$WEBMSG_CONFIG" <"$WORK/schema5.sql" ||
	{ fail "build a schema 5 database"; finish; }
validator=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
hash=$(printf '%s' "$validator" | sha256sum | cut -d' ' -f1)
now=$(date +%s)
sqlite3 "$WEBMSG_CONFIG" "INSERT INTO remember_tokens (selector, validator_hash, domain, name,
	created, expires) VALUES ('oldBrowser01', '$hash', 'example.org', 'bob', $now, $((now + 86400))),
	('oldExpired01', '$hash', 'example.org', 'ann', $((now - 90000)), $((now - 10)))" ||
	{ fail "store an old token"; finish; }
expect_eq "the old database has the table" 1 "$(has_table)"

admin service start >/dev/null
check "the upgraded daemon starts" test -n "$(daemon_pid)"
expect_eq "after the upgrade the table is gone" 0 "$(has_table)"
expect_eq "the schema is the newest" "$(ls "$sql_dir" | sed -n 's/^0*\([0-9]*\)-.*/\1/p' | sort -n | tail -1)" \
	"$(sqlite3 "$WEBMSG_CONFIG" 'PRAGMA user_version')"
check "bob, remembered before the upgrade, is remembered after it" resumes "oldBrowser01:$validator"
expect_match "as bob" 'bob@example.org' "$(curl -s -b "$WORK/resumed" "$base/mail")"
check "an expired old token did not come back" eval '! resumes "oldExpired01:$validator"'
check "the store holds no validator" eval '! grep -aqF -- "$validator" "$store" "$store-wal" 2>/dev/null'
finish
