#!/usr/bin/env bash
# History: a change made with the CLI shows up newest first, and a revert
# from the console goes through the same decision as `config revert` (an
# unservable version is refused with the setting, nothing saved). Status
# offers "Revert to the version being served" where saved and served differ.
. "$(dirname "$0")/lib.sh"
new_cert_instance
admin service start >/dev/null || { fail "start the daemon"; finish; }
pid=$(daemon_pid)
latest() { sqlite3 "$WEBMSG_CONFIG" "select max(version) from config_versions"; }

before=$(latest)
out=$(admin config set session.idle_timeout 600 2>&1)
expect_match "the CLI change is applied" 'applied' "$out"
changed=$(latest)

console_start c 120 40
check "History is in the tree" select_node c 'History'
check "it lists the CLI change with old and new value" \
	wait_screen c "│ +$changed +[0-9-]+ [0-9:]+ +.*session\.idle_timeout +1800 \(default\) → 600"
check "the keys are on the key bar" wait_screen c 'Enter/v +Revert to it'
row_of() { screen c | grep -nE "│ +$1 +[0-9-]+ [0-9:]+ " | head -1 | cut -d: -f1; }
check "newest first" test "$(row_of "$changed")" -lt "$(row_of "$before")"

# The version before the change, one row down.
keys c Down v
check "v asks first" wait_screen c "Revert to version $before\?"
keys c y
check "the revert is applied as a new version" wait_screen c "applied \(version $((changed + 1))\)"
keys c Enter
expect_eq "config get shows the old value" 1800 "$(admin config get session.idle_timeout)"
check "the revert is listed on top" wait_screen c "│ +$((changed + 1)) .*session\.idle_timeout +600 → 1800"
expect_eq "the same daemon serves the reverted version" "$pid" "$(daemon_pid)"

# Saved behind the program's back, never served: HTTPS on the HTTP port, SSL on.
served=$(latest)
bad=$((served + 1))
sqlite3 "$WEBMSG_CONFIG" "INSERT INTO config_versions VALUES ($bad, '2026-01-01T00:00:00Z', 'test', '');
	INSERT INTO config_changes VALUES ($bad, 'web.https_port', '$HTTPS_PORT', '$HTTP_PORT', 0);
	INSERT INTO config_changes VALUES ($bad, 'ssl.enable', NULL, 'on', 0);
	UPDATE settings SET value = '$HTTP_PORT' WHERE key = 'web.https_port';
	INSERT INTO settings VALUES ('ssl.enable', 'on') ON CONFLICT DO UPDATE SET value = 'on';"
check "History shows the version saved meanwhile" wait_screen c "│ +$bad +2026-01-01 00:00 +test +web\.https_port"

check "Status is shown" select_node c 'Status'
check "Status says saved and served differ" wait_screen c "version $served applied, latest $bad"
check "and offers the revert on the key bar" wait_screen c 'v +Revert to the'
keys c v
check "v asks, naming the version served" wait_screen c "Revert to version $served, the version being served\?"
check "and what is undone" wait_screen c 'ssl\.enable'
keys c y
check "the revert to the served version is applied" wait_screen c "applied \(version $((bad + 1))\)"
keys c Enter
expect_eq "web.https_port is the served one again" "$HTTPS_PORT" "$(admin config get web.https_port)"
expect_eq "SSL is off again" off "$(admin config get ssl.enable)"
check "Status: served is the latest" wait_screen c "version $((bad + 1)) applied, latest $((bad + 1))"
check "the action is gone" wait_gone c 'v +Revert to the'
expect_eq "the same daemon still serves" "$pid" "$(daemon_pid)"
expect_eq "HTTP still serves" 200 "$(http_code "http://127.0.0.1:$HTTP_PORT/")"

# A version webmsgd could not serve is refused, with the setting and the reason.
check "back to History" select_node c 'History'
check "the revert is listed" wait_screen c "│ +$((bad + 1)) "
# Two rows of the newest version (ssl.enable, web.https_port), then the bad one's.
keys c Down Down v
check "v asks for the unservable version" wait_screen c "Revert to version $bad\?"
keys c y
check "the revert is refused, naming the setting" wait_screen c 'web\.https_port'
check "and saying nothing was saved" wait_screen c 'nothing was saved'
keys c Enter
expect_eq "no version was made" "$((bad + 1))" "$(latest)"
expect_eq "web.https_port is unchanged" "$HTTPS_PORT" "$(admin config get web.https_port)"
keys c q
check "q quits" console_ended c
finish
