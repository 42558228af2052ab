#!/usr/bin/env bash
# Logging on with mail.store imap against a real Dovecot: a user of its
# passwd-file (no account in webmsg's database) logs on with the IMAP
# server's password and sees the INBOX Dovecot holds; a wrong password is
# refused as any wrong password; the password is kept sealed in the session
# store and found neither there nor in the log; logoff leaves no connection;
# with Dovecot stopped the pages and the logon say "not reachable" with 503
# and Retry-After within mail.imap_timeout, and the same session works again
# once it is back; the session's mail follows it into secure mode and back.
# The worker runs under its seccomp filter throughout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"

PASSWORD='Imap-only pass 7'
dovecot_user alice "$PASSWORD"
check "Dovecot starts" dovecot_start || finish
printf 'Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nFrom: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: Appended through Dovecot\r\nMessage-ID: <imap-logon@test>\r\n\r\nhello\r\n' |
	dovecot_adm save -u alice -m INBOX

new_cert_instance
dovecot_use_store -t 5 ||
	{ fail "configure mail.store imap"; finish; }
expect_match "alice has no account in webmsg's database" "^$" \
	"$(admin user list 2>/dev/null | grep -i alice)"
admin service start >/dev/null || { fail "webmsgd starts"; finish; }
base="http://127.0.0.1:$HTTP_PORT"
expect_match "service status says which mail store is active" \
	"mail store: +IMAP server 127\.0\.0\.1:$DOVECOT_IMAPS_PORT \(implicit\)" \
	"$(admin service status 2>&1)"

# --- logon with the IMAP server's credentials
out=$(logon "$WORK/a" "$base" alice "$PASSWORD")
expect_eq "alice logs on with her Dovecot password" "303 $base/mail" "$out"
expect_match "the logon is logged" 'logon user "alice" from 127\.0\.0\.1' "$(cat "$WORK/webmsgd.log")"
page=$(curl -s -b "$WORK/a" -w '\n%{http_code}' "$base/mail")
expect_eq "the INBOX list answers" 200 "$(tail -n1 <<<"$page")"
expect_match "it shows the message appended through Dovecot" "Appended through Dovecot" "$page"
# The message page reads it from the IMAP server too (its structure, then its text part).
url=$(grep -o '<a href="[^"]*">Appended through Dovecot' <<<"$page" | sed 's/<a href="//; s/".*//; s/&amp;/\&/g')
message=$(curl -s -b "$WORK/a" -w '\n%{http_code}' "$base$url")
expect_eq "the message page answers" 200 "$(tail -n1 <<<"$message")"
expect_match "with the message's text" 'class="body">hello' "$message"
# The session's connection is kept between its requests: more pages, no new logon.
logins() { grep -c 'imap-login: Login: user=<alice>' "$DOVECOT_DIR/dovecot.log" || true; }
before=$(logins)
for _ in 1 2 3 4 5; do curl -s -o /dev/null -b "$WORK/a" "$base/mail"; done
expect_eq "five more pages log on to Dovecot no more" "$before" "$(logins)"
expect_eq "over the one connection the session keeps" 1 \
	"$(dovecot_adm who 2>/dev/null | awk '$1 == "alice" { print $2 }')"
expect_no_match "Remember me is not offered with an IMAP store" 'name="remember"' \
	"$(curl -s "$base/")"

# A domain of this server's name here does not make "alice" alice@example.org:
# the IMAP server's user name is what was typed.
admin domain add example.org >/dev/null
out=$(logon "$WORK/h" "$base" alice "$PASSWORD" -H "Host: mail.example.org:$HTTP_PORT")
expect_eq "the typed user name goes to the IMAP server as it is" 303 "${out%% *}"

out=$(logon "$WORK/b" "$base" alice 'not her password')
expect_eq "a wrong password is refused" 401 "${out%% *}"
expect_match "as a wrong user ID or password" "user ID or password is wrong" \
	"$(cat "$WORK/logon-answer.html")"
expect_match "logged for fail2ban" 'logon failed for user "alice" from 127\.0\.0\.1$' \
	"$(cat "$WORK/webmsgd.log")"
expect_eq "no session for it" "" "$(cookie_of "$WORK/b" webmsg_session)"

# --- the password only sealed, only in the session store
stored=$(cat "$WORK"/webmsg-sessions.db* 2>/dev/null | tr -d '\0' | grep -ac 'imap-session:' || true)
check "the session store holds the session's sealed password" test "$stored" -gt 0
expect_eq "the password is not in the session store's files" 0 \
	"$(cat "$WORK"/webmsg-sessions.db* | grep -acF "$PASSWORD" || true)"
expect_eq "nor in the configuration database" 0 \
	"$(cat "$WORK"/webmsg.db* | grep -acF "$PASSWORD" || true)"
expect_eq "nor in the log" 0 "$(grep -acF "$PASSWORD" "$WORK/webmsgd.log" || true)"
expect_eq "nor in a cookie" 0 "$(grep -acF "$PASSWORD" "$WORK/a" || true)"

# --- logoff: no connection of alice's is left on Dovecot
connected() { dovecot_adm who 2>/dev/null | awk '$1 == "alice" { n += $2 } END { print n + 0 }'; }
csrf=$(csrf_of <(curl -s -b "$WORK/a" "$base/mail/compose"))
curl -s -b "$WORK/c" -c "$WORK/c" -o /dev/null "$base/"
out=$(logon "$WORK/c" "$base" alice "$PASSWORD")
curl -s -o /dev/null -b "$WORK/a" -c "$WORK/a" --data-urlencode "csrf=$csrf" "$base/logoff"
none_connected() { [ "$(connected)" = 0 ]; }
wait_for 10 none_connected
expect_eq "after logoff Dovecot has no connection of alice's" 0 "$(connected)"
expect_match "the logged-off session shows the logon page" 'name="password"' \
	"$(curl -s -b "$WORK/a" "$base/mail")"
expect_eq "the other session still reads its mail" 200 "$(http_code -b "$WORK/c" "$base/mail")"

# --- Dovecot down: 503 with the reason, within the timeout; then back
dovecot_stop
start=$(date +%s)
curl -s -D "$WORK/h" -o "$WORK/down.html" -b "$WORK/c" --max-time 30 "$base/mail"
took=$(($(date +%s) - start))
expect_match "the list page answers 503" '^HTTP/1\.[01] 503' "$(head -n1 "$WORK/h")"
expect_match "with Retry-After" '^Retry-After: [0-9]+' "$(tr -d '\r' <"$WORK/h")"
expect_match "saying the mail server is not reachable" "mail server is not reachable" \
	"$(cat "$WORK/down.html")"
check "within mail.imap_timeout (5 s) and a margin" test "$took" -le 20
out=$(logon "$WORK/d" "$base" alice "$PASSWORD")
expect_eq "a logon answers 503 too" 503 "${out%% *}"
expect_match "saying the same" "mail server is not reachable" "$(cat "$WORK/logon-answer.html")"
expect_no_match "and not that the password is wrong" "password is wrong" \
	"$(cat "$WORK/logon-answer.html")"

# Dovecot again on the same ports, and the same session reads its mail.
"$DOVECOT" -F -c "$DOVECOT_DIR/dovecot.conf" >>"$DOVECOT_DIR/dovecot.log" 2>&1 &
DOVECOT_PID=$!
wait_for 30 dovecot_up
list_page_works() { [ "$(http_code -b "$WORK/c" "$base/mail")" = 200 ]; }
check "Dovecot back: the same session's list page works" wait_for 20 list_page_works
expect_match "with the message" "Appended through Dovecot" "$(curl -s -b "$WORK/c" "$base/mail")"
# --- Enter Secure Mode and Return to regular mode: the mail goes along.
admin ssl enable >/dev/null || fail "enable SSL"
https="https://127.0.0.1:$HTTPS_PORT"
wait_for 10 port_open "$HTTPS_PORT"
loc=$(curl -s -o /dev/null -w '%{redirect_url}' -c "$WORK/c" -b "$WORK/c" "$base/mode/secure?back=/mail")
curl -sk -o /dev/null -c "$WORK/c" -b "$WORK/c" "$loc"
secure=$(cookie_of "$WORK/c" __Host-webmsg_session)
check "the session went secure" test -n "$secure"
expect_match "the secure session reads the IMAP mailbox" "Appended through Dovecot" \
	"$(curl -sk -b "__Host-webmsg_session=$secure" "$https/mail")"
loc=$(curl -sk -o /dev/null -w '%{redirect_url}' -c "$WORK/e" \
	-b "__Host-webmsg_session=$secure" "$https/mode/regular?back=/mail")
curl -s -o /dev/null -c "$WORK/e" -b "$WORK/e" "$loc"
regular=$(cookie_of "$WORK/e" webmsg_session)
check "regular mode got a session of its own" test -n "$regular"
expect_match "and it reads the IMAP mailbox too" "Appended through Dovecot" \
	"$(curl -s -b "webmsg_session=$regular" "$base/mail")"
expect_eq "the password is still in no file but sealed" 0 \
	"$(cat "$WORK"/webmsg-sessions.db* | grep -acF "$PASSWORD" || true)"

# --- a server that takes the connection and never answers: bounded by
# mail.imap_timeout, at logon (the parent's check) and on the pages.
stall_port=$(free_port)
python3 - "$stall_port" <<'PY' &
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); s.settimeout(90)
held = []
while True:  # ends 90 s after the last connection, or when killed
    try:
        held.append(s.accept()[0])
    except socket.timeout:
        break
PY
stall_pid=$!
wait_for 10 port_open "$stall_port"
admin config set mail.imap_timeout 2 >/dev/null &&
	admin config set mail.imap_server "127.0.0.1:$stall_port" >/dev/null &&
	admin service reload >/dev/null || fail "point mail.imap_server at a silent server"
start=$(date +%s)
out=$(logon "$WORK/f" "$base" alice "$PASSWORD" --max-time 60)
took=$(($(date +%s) - start))
expect_eq "a silent server: the logon answers 503" 503 "${out%% *}"
expect_match "saying the mail server is not reachable" "mail server is not reachable" \
	"$(cat "$WORK/logon-answer.html")"
check "bounded by mail.imap_timeout (2 s a step), not hanging" test "$took" -le 30
start=$(date +%s)
code=$(http_code -b "webmsg_session=$regular" --max-time 60 "$base/mail")
took=$(($(date +%s) - start))
expect_eq "and a page of a live session answers 503" 503 "$code"
check "as quickly" test "$took" -le 30
kill "$stall_pid" 2>/dev/null

expect_no_match "the worker was never killed by its filter" "SIGSYS|signal 31|bad system call" \
	"$(cat "$WORK/webmsgd.log")"
finish
