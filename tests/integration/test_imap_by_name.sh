#!/usr/bin/env bash
# mail.imap_server given by name: the parent resolves it when it loads the
# configuration and the workers (sandboxed, no lookups) connect to those
# addresses, while TLS checks the certificate against the name. Dovecot's
# certificate here names localhost only (no IP address): logon and pages
# work with mail.imap_server localhost:PORT, and the same server given as
# 127.0.0.1 fails the certificate's check. A name that does not resolve is
# refused by `config set` and by a reload, which leaves the running
# configuration serving with the reason in the status.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"

# A certificate for the name alone, made before dovecot.sh would make its own.
mkdir -p "$DOVECOT_DIR"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-subj /CN=localhost -addext "subjectAltName=DNS:localhost" \
	-keyout "$DOVECOT_DIR/key.pem" -out "$DOVECOT_DIR/cert.pem" 2>/dev/null &&
	chmod 600 "$DOVECOT_DIR/key.pem" || { fail "make a certificate for localhost"; finish; }
PASSWORD='By name 3'
dovecot_user alice "$PASSWORD"
check "Dovecot starts" dovecot_start || finish
printf 'Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nFrom: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: Found by name\r\nMessage-ID: <by-name@test>\r\n\r\nresolved\r\n' |
	dovecot_adm save -u alice -m INBOX

new_instance
dovecot_use_store -s "localhost:$DOVECOT_IMAPS_PORT" -t 5 ||
	{ fail "configure mail.store imap by name"; finish; }
out=$(admin check 2>&1)
expect_match "check says where the name leads now" \
	"IMAP server localhost port $DOVECOT_IMAPS_PORT \(TLS\), at [0-9a-f.:]*(127\.0\.0\.1|::1)" "$out"
expect_no_match "and no longer warns about /etc/hosts" "/etc/hosts" "$out"
admin service start >/dev/null || { fail "webmsgd starts"; finish; }
base="http://127.0.0.1:$HTTP_PORT"
expect_match "the parent logs the addresses it hands over" \
	"mail.imap_server \"localhost:$DOVECOT_IMAPS_PORT\": connecting to \"[^\"]*127\.0\.0\.1" \
	"$(cat "$WORK/webmsgd.log")"

# The parent's logon check and the worker's pages, both to the numbers,
# both checking the certificate against "localhost".
out=$(logon "$WORK/a" "$base" alice "$PASSWORD")
expect_eq "alice logs on (the parent's check, by name)" "303 $base/mail" "$out"
page=$(curl -s -b "$WORK/a" -w '\n%{http_code}' "$base/mail")
expect_eq "the list page answers (the sandboxed worker's connection)" 200 "$(tail -n1 <<<"$page")"
expect_match "with her message" "Found by name" "$page"
url=$(grep -o '<a href="[^"]*">Found by name' <<<"$page" | sed 's/<a href="//; s/".*//; s/&amp;/\&/g')
expect_match "the message page shows its text" 'class="body">resolved' \
	"$(curl -s -b "$WORK/a" "$base$url")"
expect_no_match "the worker was not killed by its sandbox" "SIGSYS|signal 31" \
	"$(cat "$WORK/webmsgd.log")"

# The same server by its address: the certificate does not name it.
admin config set mail.imap_server "127.0.0.1:$DOVECOT_IMAPS_PORT" >/dev/null ||
	fail "set the server by its address"
out=$(logon "$WORK/b" "$base" alice "$PASSWORD")
expect_eq "by address the certificate's check fails: the logon says not reachable" 503 "${out%% *}"
admin config set mail.imap_server "localhost:$DOVECOT_IMAPS_PORT" >/dev/null ||
	fail "set the server by name again"
expect_eq "by name again the session reads its mail" 200 "$(http_code -b "$WORK/a" "$base/mail")"

# A name nothing resolves: refused at once, nothing saved.
before=$(admin config history | wc -l)
out=$(admin config set mail.imap_server no-such-host.invalid:993 2>&1)
expect_match "config set refuses a name that does not resolve" \
	"mail.imap_server: no-such-host\.invalid cannot be resolved.*nothing was saved" "$out"
expect_eq "no version was saved" "$before" "$(admin config history | wc -l)"
# Stored behind the program's back: the reload refuses it, and the running
# configuration goes on serving.
sqlite3 "$WEBMSG_CONFIG" "INSERT INTO config_versions VALUES (500, '2026-01-01T00:00:00Z', 'test', '');
	UPDATE settings SET value = 'no-such-host.invalid:993' WHERE key = 'mail.imap_server';"
out=$(admin service reload 2>&1)
expect_match "the reload fails with the reason" "no-such-host\.invalid cannot be resolved" "$out"
expect_match "service status shows it" "no-such-host\.invalid cannot be resolved" \
	"$(admin service status 2>&1)"
expect_match "and it is logged" "no-such-host\.invalid cannot be resolved" "$(cat "$WORK/webmsgd.log")"
expect_match "the running configuration still reads the mail" "Found by name" \
	"$(curl -s -b "$WORK/a" "$base/mail")"
expect_match "check says so too" "FAIL.*no-such-host\.invalid cannot be resolved" \
	"$(admin check 2>&1)"
finish
