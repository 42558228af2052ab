#!/usr/bin/env bash
# R in the console asks before a restart and says how many sessions it ends
# (the title shows the count too); with a latest configuration webmsgd could
# not serve, the restart is refused and the same daemon keeps serving.
. "$(dirname "$0")/lib.sh"
new_cert_instance
admin service start >/dev/null || { fail "start the daemon"; finish; }
pid=$(daemon_pid)

console_start c
check "the title shows the daemon with its session count" wait_screen c 'webmsgd running \(pid [0-9]+\), 0 sessions'
keys c R
check "R asks first, saying how many sessions end" wait_screen c 'Restart webmsgd\? It ends 0 Web Messaging sessions'
keys c n
sleep 0.5
expect_eq "No leaves the daemon alone" "$pid" "$(daemon_pid)"

# Saved behind the program's back: HTTPS on the HTTP port, SSL on.
sqlite3 "$WEBMSG_CONFIG" "INSERT INTO config_versions VALUES ((SELECT max(version) + 1 FROM config_versions), '2026-01-01T00:00:00Z', 'test', '');
	UPDATE settings SET value = '$HTTP_PORT' WHERE key = 'web.https_port';
	INSERT INTO settings VALUES ('ssl.enable', 'on') ON CONFLICT DO UPDATE SET value = 'on';"
keys c R
check "R asks again" wait_screen c 'Restart webmsgd\?'
keys c y
check "the restart is refused with the reason" wait_screen c 'restart refused, webmsgd keeps running'
check "naming the setting" wait_screen c 'web.https_port'
expect_eq "the same daemon runs" "$pid" "$(daemon_pid)"
expect_eq "and serves" 200 "$(http_code "http://127.0.0.1:$HTTP_PORT/")"
keys c Enter q
check "q quits" console_ended c
finish
