#!/usr/bin/env bash
# Sessions live in a store beside the configuration database: a restart and
# a killed daemon log nobody off, `user del` ends the user's sessions and
# leaves nothing of them in the store, the store is 0600 and never holds a
# cookie value, and a store that cannot be used refuses logons with a clear
# page while the daemon goes on serving.
. "$(dirname "$0")/lib.sh"
new_instance
add_user ann@example.org 'Ann-pass-1'
add_user bob@example.org 'Bob-pass-2'
admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"
store="$WORK/webmsg-sessions.db"

# reads_inbox JAR: 0 when the jar's session opens the mailbox (not the logon page).
reads_inbox() {
	local page
	page=$(curl -s -b "$1" "$base/mail")
	grep -q 'name="csrf"' <<<"$page" && ! grep -q 'name="password"' <<<"$page"
}
gets_logon_page() { curl -s -b "$1" "$base/mail" | grep -q 'name="password"'; }
# rows USER: the user's sessions in the store.
rows() {
	python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=10)
print(db.execute("SELECT count(*) FROM sessions WHERE user = ?", (sys.argv[2],)).fetchone()[0])' \
		"$store" "$1"
}
# in_store VALUE: 0 when VALUE appears in the store's files.
in_store() {
	local f
	for f in "$store" "$store-wal"; do
		[ -f "$f" ] && grep -aqF -- "$1" "$f" && return 0
	done
	return 1
}
not_in_store() { ! in_store "$1"; }

logon "$WORK/ann" "$base" ann@example.org Ann-pass-1 >/dev/null
logon "$WORK/bob" "$base" bob@example.org Bob-pass-2 >/dev/null
check "ann reads her inbox" reads_inbox "$WORK/ann"
sid=$(cookie_of "$WORK/ann" webmsg_session)
check "ann has a session cookie" test -n "$sid"

check "the store is beside the database" test -f "$store"
expect_eq "the store is readable by its owner only" 600 "$(stat -c %a "$store")"
check "the store does hold the user (the scan works)" in_store ann@example.org
check "the store does not hold the cookie value" not_in_store "$sid"
expect_eq "the store holds ann's session" 1 "$(rows ann@example.org)"

pid=$(daemon_pid)
admin service restart >/dev/null
check "the daemon was restarted" test "$pid" != "$(daemon_pid)"
check "after a restart the same cookie still reads the inbox" reads_inbox "$WORK/ann"

pid=$(daemon_pid)
kill -9 "$pid"
check "the daemon is gone after kill -9" wait_for 10 pid_gone "$pid"
admin service start >/dev/null
check "the daemon runs again" test -n "$(daemon_pid)"
check "after a crash the same cookie still reads the inbox" reads_inbox "$WORK/ann"
check "and bob's too" reads_inbox "$WORK/bob"

admin user del ann@example.org >/dev/null
check "a deleted user's cookie gets the logon page" gets_logon_page "$WORK/ann"
expect_eq "nothing of the deleted user's sessions stays in the store" 0 "$(rows ann@example.org)"
check "bob's session goes on" reads_inbox "$WORK/bob"
admin domain del --force example.org >/dev/null
check "a deleted domain's user gets the logon page" gets_logon_page "$WORK/bob"
expect_eq "nothing of that user's sessions stays in the store" 0 "$(rows bob@example.org)"
add_user bob@example.org 'Bob-pass-2'

# A store that cannot be used: the daemon serves, logons are refused plainly.
admin service stop >/dev/null
rm -f "$store" "$store-wal" "$store-shm"
head -c 8192 /dev/urandom >"$store"
chmod 600 "$store"
admin service start >/dev/null
check "the daemon starts with a damaged session store" test -n "$(daemon_pid)"
code=$(logon "$WORK/bob2" "$base" bob@example.org Bob-pass-2)
expect_eq "a logon is refused" 503 "${code%% *}"
expect_match "with a page that says why" 'cannot keep sessions' "$(cat "$WORK/logon-answer.html")"
expect_match "the log names the store" 'sessions cannot be kept.*webmsg-sessions\.db' \
	"$(cat "$WORK/webmsgd.log")"
expect_match "the status says so" 'sessions cannot be kept' "$(admin service status 2>&1)"
check "the logon page itself is still served" test "$(http_code "$base/")" = 200
finish
