#!/usr/bin/env bash
# Starting, stopping and watching the daemon as an operator does.
. "$(dirname "$0")/lib.sh"
new_instance

status=$(admin service status 2>&1)
expect_eq "status of a daemon never started exits 3" 3 "$(admin service status >/dev/null 2>&1; echo $?)"
expect_match "status says stopped" 'stopped' "$status"

out=$(admin service start 2>&1)
expect_match "start says where it listens" "started \(pid [0-9]+\).*http://127.0.0.1:$HTTP_PORT" "$out"
pid=$(daemon_pid)
check "the pidfile names a running process" test -n "$pid"
expect_eq "status of a running daemon exits 0" 0 "$(admin service status >/dev/null 2>&1; echo $?)"
status=$(admin service status 2>&1)
expect_match "status: running with its pid" "running.*$pid|$pid.*running" "$(printf '%s' "$status" | tr '\n' ' ')"
expect_match "status: listeners" "http://127.0.0.1:$HTTP_PORT" "$status"
expect_match "status: uptime" 'uptime' "$status"

out=$(admin service start 2>&1)
expect_match "a second start is refused" "already running.*$pid" "$out"
out=$("$WEBMSG_DAEMON" -c "$WEBMSG_CONFIG" 2>&1)
expect_eq "a second webmsgd exits 1" 1 "$?"
expect_match "a second webmsgd names the pid holding the pidfile" "already running as pid $pid" "$out"
expect_eq "the first one still serves" 200 "$(http_code "http://127.0.0.1:$HTTP_PORT/")"

# SIGUSR1 reopens the log after it was moved away.
mv "$WORK/webmsgd.log" "$WORK/webmsgd.log.1"
kill -USR1 "$pid"
wait_for 5 test -s "$WORK/webmsgd.log"
expect_match "SIGUSR1 reopens the log file" 'log file reopened' "$(cat "$WORK/webmsgd.log" 2>/dev/null)"

out=$(admin service restart 2>&1)
expect_match "restart starts a new daemon" 'started' "$out"
check "restart gives a new pid" test "$(daemon_pid)" != "$pid"
pid=$(daemon_pid)

check "stop" admin service stop
check "no process left after stop" bash -c "! kill -0 $pid 2>/dev/null"
check "no pidfile left after stop" test ! -e "$WORK/webmsgd.pid"
expect_match "status after stop says stopped" 'stopped' "$(admin service status 2>&1)"
out=$(admin service stop 2>&1)
expect_match "stopping a stopped daemon says so" 'not running' "$out"

# A start onto a port in use fails with the reason, and leaves nothing behind.
occupy_port "$HTTP_PORT"
out=$(admin service start 2>&1)
expect_eq "start onto a port in use exits 1" 1 "$?"
expect_match "the reason names the port" "port $HTTP_PORT.*in use" "$out"
check "no daemon left after the failed start" test -z "$(daemon_pid)"
check "no pidfile left after the failed start" test ! -e "$WORK/webmsgd.pid"
expect_match "status shows the failed start" "start failed.*in use" "$(admin service status 2>&1)"
kill "$OCCUPIER"

# A stale pidfile (a daemon killed hard) does not stop the next start.
admin service start >/dev/null
pid=$(daemon_pid)
kill -9 "$pid"
wait_for 5 pid_gone "$pid"
check "pidfile left by a killed daemon" test -e "$WORK/webmsgd.pid"
expect_match "status sees through the stale pidfile" 'stopped' "$(admin service status 2>&1)"
check "start after a crash" admin service start
expect_eq "serving again" 200 "$(http_code "http://127.0.0.1:$HTTP_PORT/")"

# webmsgd -f stays in the foreground and stops on SIGTERM.
admin service stop >/dev/null
"$WEBMSG_DAEMON" -f -c "$WEBMSG_CONFIG" &
fg=$!
wait_for 5 port_open "$HTTP_PORT"
expect_eq "foreground daemon serves" 200 "$(http_code "http://127.0.0.1:$HTTP_PORT/")"
expect_eq "foreground daemon is the process started" "$fg" "$(daemon_pid)"
kill -TERM "$fg"
wait "$fg"
expect_eq "foreground daemon exits 0 on SIGTERM" 0 "$?"
finish
