#!/usr/bin/env bash
# Failed-logon counts live in the session store: `service restart` does not
# reset an attacker's delay. A pair that has failed three times (delays 1, 2,
# 4 s) goes on doubling after the restart (8 s), where a fresh count would
# say 1 s; the fail2ban lines are written as before.
. "$(dirname "$0")/lib.sh"
new_instance
add_user ann@example.org 'Ann-pass-1'
admin config set login.throttle_pair_failures 1 >/dev/null &&
	admin config set login.throttle_max_delay 3600 >/dev/null ||
	{ fail "configure the throttle"; finish; }
base="http://127.0.0.1:$HTTP_PORT"

# try: one logon with a wrong password; prints the status code.
try() { logon "$WORK/jar" "$base" ann@example.org wrong-password | cut -d' ' -f1; }
# wait_seconds: the wait the last refused logon page asks for.
wait_seconds() { sed -n 's/.*Try again in \([0-9]*\) second.*/\1/p' "$WORK/logon-answer.html" | head -1; }
# fail_once: polls (bounded) until a wrong password is checked again: 0 then.
fail_once() {
	for _ in $(seq 200); do
		case $(try) in
		401) return 0 ;;
		429) sleep 0.1 ;;
		*) return 1 ;;
		esac
	done
	return 1
}

admin service start >/dev/null || { fail "the daemon starts"; finish; }
for i in 1 2 3; do
	check "wrong password $i is checked" fail_once
done
expect_eq "the next one is refused" 429 "$(try)"

pid=$(daemon_pid)
admin service restart >/dev/null
check "the daemon was restarted" test -n "$(daemon_pid)" -a "$pid" != "$(daemon_pid)"
check "after the restart a wrong password is checked once the delay is over" fail_once
expect_eq "the attempt after it is refused" 429 "$(try)"
w=$(wait_seconds)
check "with the doubled delay of the fourth failure (8 s, not a fresh 1 s): $w s" \
	test "${w:-0}" -ge 2
expect_match "the fail2ban line for the failure" \
	'logon failed for user "ann@example.org" from 127\.0\.0\.1' "$(cat "$WORK/webmsgd.log")"
expect_match "and for the refusal" \
	'logon refused for user "ann@example.org" from 127\.0\.0\.1: too many failures' \
	"$(cat "$WORK/webmsgd.log")"
finish
