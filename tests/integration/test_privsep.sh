#!/usr/bin/env bash
# Privilege separation: the process that holds the client connections is a
# worker, not the parent in the pidfile; it holds no handle on the database,
# the session store or the key files, and cannot gain privileges. A worker
# that dies is replaced on the same sockets, the parent stays and sessions go
# on; one that keeps dying is started again more and more slowly, and
# `service status` says so.
. "$(dirname "$0")/lib.sh"
# A share folder of our own: the crash loop below takes its templates away.
cp -r "$WEBMSG_SHARE_DIR" "$WORK/share"
export WEBMSG_SHARE_DIR="$WORK/share"
new_ssl_instance
add_user ann@example.org 'Ann-pass-1'
base="http://127.0.0.1:$HTTP_PORT"

admin service start >/dev/null || { fail "the daemon starts"; finish; }
parent=$(daemon_pid)
check "ann logs on" test "$(logon "$WORK/ann" "$base" ann@example.org Ann-pass-1)" = \
	"303 $base/mail"
# logged_on: ann's cookie opens her mailbox.
logged_on() { curl -s -m 5 -b "$WORK/ann" "$base/mail" | grep -q 'action="/logoff"'; }
check "her mailbox opens" logged_on

# connection_held PORT: a process holds a connection to PORT, its pid=N in $owner.
connection_held() {
	owner=$(ss -tnpH state established "( sport = :$1 )" | grep -o 'pid=[0-9]*' | head -1)
	[ -n "$owner" ]
}
# The pid holding a client connection, from ss: a connection held open meanwhile.
connection_owner() {
	python3 -c 'import socket,sys,time; s=socket.create_connection(("127.0.0.1",int(sys.argv[1]))); time.sleep(5)' \
		"$1" &
	local holder=$! owner=""
	wait_for 5 connection_held "$1"
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	echo "${owner#pid=}"
}
worker=$(connection_owner "$HTTP_PORT")
check "a process holds the HTTP connection" test -n "$worker"
check "it is not the parent in the pidfile ($parent)" test "$worker" != "$parent"
expect_eq "it is the parent's child" "$parent" "$(awk '{print $4}' "/proc/$worker/stat")"
expect_eq "ps and top name it" webmsgd-worker "$(cat "/proc/$worker/comm")"
expect_eq "the HTTPS connection is held by the same worker" "$worker" \
	"$(connection_owner "$HTTPS_PORT")"

fds=$(for f in /proc/"$worker"/fd/*; do readlink "$f"; done)
expect_match "the worker's descriptors can be listed (its log is among them)" 'webmsgd\.log' "$fds"
expect_no_match "the worker holds no handle on the configuration database" 'webmsg\.db' "$fds"
expect_no_match "nor on the session store" 'webmsg-sessions\.db' "$fds"
expect_no_match "nor on a file of the key store" "$WORK/ssl" "$fds"
expect_match "the worker cannot gain privileges" 'NoNewPrivs:[[:space:]]*1' \
	"$(cat "/proc/$worker/status")"

# A worker killed by a signal: replaced on the same sockets, same parent,
# same session. Under AddressSanitizer a SIGSEGV is the sanitizer's to
# report (and a report fails the run), so that build gets SIGKILL.
sig=SEGV signame="Segmentation fault"
if grep -aq __asan_init "$WEBMSG_DAEMON"; then sig=KILL signame="Killed"; fi
start=$(date +%s%N)
kill -"$sig" "$worker"
replaced() { # a new worker ($new) serves ann's session
	new=$(pgrep -P "$parent" | head -1)
	[ -n "$new" ] && [ "$new" != "$worker" ] && logged_on
}
wait_for 10 replaced
took=$((($(date +%s%N) - start) / 1000000))
echo "# served again after ${took} ms"
check "the site answers again, by a new worker" test -n "$new" -a "$new" != "$worker"
check "ann's session cookie still works" logged_on
expect_eq "the parent is the same" "$parent" "$(daemon_pid)"
expect_match "the log names the signal" \
	"worker $worker killed by signal [0-9]+ \\($signame\\)" "$(cat "$WORK/webmsgd.log")"
expect_match "service status still says running, serving" 'running' "$(admin service status)"

# A worker that cannot start (its templates gone) keeps ending: the parent
# backs off and the status says so; once they are back it serves again.
mv "$WORK/share/templates" "$WORK/templates.away"
kill -KILL "$new"
status=""
keeps_ending() { status=$(admin service status) && grep -q 'keeps ending' <<<"$status"; }
wait_for 15 keeps_ending
expect_match "service status shows the crash loop" 'keeps ending \([0-9]+ times in 10 s\): next start in [0-9]+ s' "$status"
expect_eq "the parent stays" "$parent" "$(daemon_pid)"
mv "$WORK/templates.away" "$WORK/share/templates"
check "with the templates back it serves again, ann still logged on" wait_for 40 logged_on
serving() { admin service status | grep -q 'ok: serving'; }
wait_for 5 serving
expect_match "and service status says it serves" 'ok: serving configuration version' \
	"$(admin service status)"

admin service stop >/dev/null
check "service stop ends the parent" test -z "$(daemon_pid)"
check "and its workers" test -z "$(pgrep -P "$parent")"
finish
