#!/usr/bin/env bash
# Two webmsgd front ends (each its own configuration database and port) with
# session.store redis on one Redis: a logon through A works on B with the
# same cookie, logoff on B ends it on A, failed logons on A count on B, and
# when Redis stops logons are refused with a page that says so, `service
# status` and `check` say so, and once Redis is back logons work again
# without a restart of either daemon.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/redis.sh"

B="$WORK/b/webmsg.db"
b_admin() { WEBMSG_CONFIG="$B" "$ADMIN" "$@"; }
stop_b() {
	local pid
	pid=$(cat "$WORK/b/webmsgd.pid" 2>/dev/null) || return 0
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	wait_for 5 pid_gone "$pid"
}
trap 'stop_b; redis_stop; cleanup' EXIT

check "Redis starts on a unix socket" redis_start

# configure ADMIN-FUNCTION: the shared store and a short throttle on an instance.
configure() {
	"$@" config set session.store redis >/dev/null &&
		"$@" config set session.redis "unix:$REDIS_SOCK" >/dev/null &&
		"$@" config set login.throttle_pair_failures 2 >/dev/null
}
new_instance
check "front end A uses Redis" configure admin
add_user ann@example.org 'Ann-pass-1'
# B: a copy of A's database (the same users, with their session stamps) on its own port.
mkdir -m 700 "$WORK/b"
cp "$WEBMSG_CONFIG" "$B"
B_PORT=$(free_port)
b_admin config set web.http_port "$B_PORT" >/dev/null
admin service start >/dev/null
b_admin service start >/dev/null
a="http://127.0.0.1:$HTTP_PORT"
b="http://127.0.0.1:$B_PORT"

# reads_inbox BASE JAR: 0 when the jar's session opens the mailbox there.
reads_inbox() {
	local page
	page=$(curl -s -b "$2" "$1/mail")
	grep -q 'ann@example.org' <<<"$page" && ! grep -q 'name="password"' <<<"$page"
}

out=$(logon "$WORK/ann" "$a" ann@example.org Ann-pass-1)
expect_eq "ann logs on through A" "303 $a/mail" "$out"
check "ann reads her inbox on A" reads_inbox "$a" "$WORK/ann"
check "the same cookie reads her inbox on B" reads_inbox "$b" "$WORK/ann"
sid=$(cookie_of "$WORK/ann" webmsg_session)
expect_eq "Redis holds no cookie value" "" "$(redis-cli -s "$REDIS_SOCK" --scan | grep -F -- "$sid")"

csrf=$(curl -s -b "$WORK/ann" "$b/mail" | grep -o 'name="csrf" value="[^"]*"' | head -1 |
	sed 's/.*value="//; s/"$//')
curl -s -o /dev/null -b "$WORK/ann" -c "$WORK/ann" --data-urlencode "csrf=$csrf" "$b/logoff"
# The jar lost the cookie at logoff: the old value is presented by hand.
page=$(curl -s -b "webmsg_session=$sid" "$a/mail")
expect_match "after logoff on B the old cookie gets the logon page on A" 'name="password"' "$page"

# Failed logons through A count on B. Past the threshold each failure waits
# 1 s, then 2, 4, 8: five failures through A (an attempt told to wait is
# tried again), and B makes the address wait too, even with the right
# password. B's logon form is fetched first, so only the POST follows the
# last failure: well inside its 8 s wait, even on a busy machine.
curl -s -c "$WORK/ann2" -b "$WORK/ann2" "$b/" -o "$WORK/b-form.html"
failures=0
for _ in $(seq 100); do
	[ "$failures" -ge 5 ] && break
	out=$(logon "$WORK/bad" "$a" ann@example.org wrong)
	if [ "${out%% *}" = 429 ]; then sleep 0.3; else failures=$((failures + 1)); fi
done
code=$(curl -s -c "$WORK/ann2" -b "$WORK/ann2" -o /dev/null -w '%{http_code}' \
	--data-urlencode "csrf=$(csrf_of "$WORK/b-form.html")" \
	--data-urlencode "user=ann@example.org" --data-urlencode "password=Ann-pass-1" "$b/logon")
expect_eq "five failed logons through A" 5 "$failures"
expect_eq "after failures on A, B makes the address wait" 429 "$code"

# Redis stops: both daemons keep serving, logons are refused with a page that says why.
redis_stop
check "Redis is stopped" test ! -S "$REDIS_SOCK" -o -z "$(redis-cli -s "$REDIS_SOCK" ping 2>/dev/null)"
out=$(logon "$WORK/x" "$a" ann@example.org Ann-pass-1)
expect_eq "a logon while Redis is down is refused (503)" 503 "${out%% *}"
expect_match "with a page that says the session store is unreachable" \
	'session store \(Redis\) is unreachable' "$(cat "$WORK/logon-answer.html")"
expect_eq "A still serves its logon page" 200 "$(http_code "$a/")"
expect_eq "B still serves its logon page" 200 "$(http_code "$b/")"
status=$(admin service status)
expect_match "service status says sessions cannot be kept, and why" \
	'sessions: +cannot be kept, logons are refused: Redis at unix:.* is unreachable' "$status"
checked=$(admin check)
expect_match "check fails on the session store" 'FAIL +session store: Redis at .* is unreachable' \
	"$checked"
expect_match "webmsgd logged it" 'Redis at unix:.* is unreachable' "$(cat "$WORK/webmsgd.log")"
pid_a=$(daemon_pid)

# Redis is back (empty: it kept nothing): logons work again, same daemons.
check "Redis starts again" redis_start
out=$(logon "$WORK/ann3" "$a" ann@example.org Ann-pass-1)
expect_eq "with Redis back, ann logs on through A" "303 $a/mail" "$out"
check "and the cookie reads her inbox on B" reads_inbox "$b" "$WORK/ann3"
expect_eq "A was not restarted" "$pid_a" "$(daemon_pid)"
expect_match "service status says where sessions are kept" \
	'sessions: +kept in Redis at unix:' "$(admin service status)"
expect_match "check passes the session store" 'OK +sessions are kept in Redis' "$(admin check)"

# The password is a secret: never listed.
printf '%s\n' 'Redis-secret-9' >"$WORK/redis-pw"
check "the Redis password is set from a file" \
	admin config set session.redis_password --password-file "$WORK/redis-pw" >/dev/null
expect_no_match "config list never shows the Redis password" 'Redis-secret-9' "$(admin config list)"

finish
