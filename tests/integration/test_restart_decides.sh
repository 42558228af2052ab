#!/usr/bin/env bash
# service restart decides first: when the latest configuration could not be
# served it refuses and webmsgd keeps running; status shows served and saved
# settings apart.
. "$(dirname "$0")/lib.sh"
new_ssl_instance
admin service start >/dev/null || { fail "service start"; finish; }
pid=$(daemon_pid)

# A saved configuration the daemon cannot serve, made behind the program's
# back (the doors refuse it): the HTTPS port becomes the HTTP port.
sqlite3 "$WEBMSG_CONFIG" "INSERT INTO config_versions VALUES ((SELECT max(version) + 1 FROM config_versions), '2026-01-01T00:00:00Z', 'test', '');
	INSERT INTO config_changes VALUES ((SELECT max(version) FROM config_versions), 'web.https_port', '$HTTPS_PORT', '$HTTP_PORT', 0);
	UPDATE settings SET value = '$HTTP_PORT' WHERE key = 'web.https_port';"
status=$(admin service status 2>&1)
expect_match "status says which saved setting is not served" 'not served yet: +web.https_port' "$status"

out=$(admin service restart 2>&1)
expect_eq "restart of a configuration that cannot be served exits 1" 1 "$?"
expect_match "it says why and that webmsgd keeps running" 'restart refused, webmsgd keeps running: .*web.https_port.*same port' "$out"
expect_eq "the daemon was not stopped" "$pid" "$(daemon_pid)"
expect_eq "HTTP still serves" 200 "$(http_code "http://127.0.0.1:$HTTP_PORT/")"
expect_eq "HTTPS still serves" 200 "$(http_code -k "https://127.0.0.1:$HTTPS_PORT/")"

# Mended through a door, the restart goes ahead.
out=$(admin config set web.https_port "$HTTPS_PORT" 2>&1)
expect_match "the fix is applied" 'applied' "$out"
expect_no_match "status has nothing unserved" 'not served yet' "$(admin service status 2>&1)"
out=$(admin service restart 2>&1)
expect_match "restart of a good configuration stops and starts" 'stopped.*started' "$(printf '%s' "$out" | tr '\n' ' ')"
check "a new daemon runs" test -n "$(daemon_pid)" -a "$(daemon_pid)" != "$pid"
expect_eq "HTTPS serves after the restart" 200 "$(http_code -k "https://127.0.0.1:$HTTPS_PORT/")"
finish
