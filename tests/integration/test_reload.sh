#!/usr/bin/env bash
# Reload moves the listener without a restart, and a reload that cannot apply
# leaves the old listener serving with the reason in the status.
. "$(dirname "$0")/lib.sh"
new_instance
check "service start" admin service start
pid=$(daemon_pid)
old=$HTTP_PORT
new=$(free_port)

out=$(admin config set web.http_port "$new" 2>&1)
expect_match "config set reports the daemon applied it" '^applied \(version [0-9]+\)' "$out"
expect_eq "same pid after moving the port" "$pid" "$(daemon_pid)"
expect_eq "new port serves" 200 "$(http_code "http://127.0.0.1:$new/")"
expect_eq "old port is closed" 000 "$(http_code "http://127.0.0.1:$old/")"

busy=$(free_port)
occupy_port "$busy"
before=$(admin config history | wc -l)
out=$(admin config set web.http_port "$busy" 2>&1)
rc=$?
expect_eq "config set onto a port in use is refused" 1 "$rc"
expect_match "the refusal names the setting and the port in use" "web.http_port: .*port $busy.*in use.*nothing was saved" "$out"
expect_eq "no version was saved" "$before" "$(admin config history | wc -l)"
expect_eq "the setting keeps its value" "$new" "$(admin config get web.http_port)"
expect_eq "the old port still serves" 200 "$(http_code "http://127.0.0.1:$new/")"
expect_eq "same pid after the refusal" "$pid" "$(daemon_pid)"
status=$(admin service status 2>&1)
expect_no_match "status shows no error: nothing was tried" "in use" "$status"
kill "$OCCUPIER"
wait "$OCCUPIER" 2>/dev/null

out=$(admin config set web.http_port "$busy" 2>&1)
expect_match "once the port is free the same change is applied" '^applied \(version [0-9]+\)' "$out"
expect_eq "the freed port now serves" 200 "$(http_code "http://127.0.0.1:$busy/")"

# A port taken behind the program's back, between the check and the reload:
# the old listener keeps serving and status says why.
other=$(free_port)
sqlite3 "$WEBMSG_CONFIG" "INSERT INTO config_versions VALUES (50, '2026-01-01T00:00:00Z', 'test', '');
	UPDATE settings SET value = '$other' WHERE key = 'web.http_port';"
occupy_port "$other"
out=$(admin service reload 2>&1)
expect_match "a reload onto a port taken meanwhile fails with the reason" "in use" "$out"
expect_eq "and the old port still serves" 200 "$(http_code "http://127.0.0.1:$busy/")"
status=$(admin service status 2>&1)
expect_match "status shows the reload error" "in use" "$status"
expect_match "status shows applied behind latest" 'version [0-9]+ applied, latest [0-9]+' "$status"
kill "$OCCUPIER"
wait "$OCCUPIER" 2>/dev/null
sqlite3 "$WEBMSG_CONFIG" "UPDATE settings SET value = '$busy' WHERE key = 'web.http_port';"

# An invalid value stored behind the program's back is refused by the reload.
sqlite3 "$WEBMSG_CONFIG" "INSERT INTO config_versions VALUES (100, '2026-01-01T00:00:00Z', 'test', '');
	UPDATE settings SET value = 'none-such' WHERE key = 'web.bind';
	INSERT INTO settings VALUES ('web.bind', 'none-such') ON CONFLICT DO UPDATE SET value = 'none-such';"
out=$(admin service reload 2>&1)
expect_match "an invalid stored value is reported" 'web.bind' "$out"
expect_eq "and the old listener still serves" 200 "$(http_code "http://127.0.0.1:$busy/")"

# Requests keep being answered while reloads happen.
sqlite3 "$WEBMSG_CONFIG" "UPDATE settings SET value = '127.0.0.1' WHERE key = 'web.bind';"
admin service reload >/dev/null
codes=$( (for _ in $(seq 200); do http_code "http://127.0.0.1:$busy/"; echo; done) &
	for _ in $(seq 10); do kill -HUP "$pid"; sleep 0.05; done; wait)
expect_eq "no request failed during 10 reloads" "" "$(printf '%s\n' "$codes" | grep -v '^200$' | grep -v '^$' | sort | uniq -c)"
finish
