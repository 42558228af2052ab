#!/usr/bin/env bash
# A certificate from an ACME CA (pebble, Let's Encrypt's test server, with
# pebble-challtestsrv as its DNS): issued over a real http-01 challenge that
# webmsgd answers, served and chaining to the CA's root; a challenge that
# cannot be answered fails clearly and leaves everything as it was; a forced
# renewal serves a new certificate with no failed request during the swap.
. "$(dirname "$0")/lib.sh"
new_ssl_instance
admin ssl force on >/dev/null || { fail "Force SSL on"; finish; }
admin service start >/dev/null || { fail "start webmsgd"; finish; }
NAME=mail.webmsg.test

. "$(dirname "$0")/pebble.sh"
pk=$PEBBLE_WORK
start_pebble() { pebble_start "$1"; }
stop_pebble() { pebble_stop; }
check "pebble is listening" start_pebble "$HTTP_PORT"
DIR=$PEBBLE_DIR
acme() { admin ssl acme --directory "$DIR" --ca-file "$pk/ca.pem" "$@"; }
served_serial() {
	openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername "$NAME" </dev/null 2>/dev/null |
		openssl x509 -noout -serial 2>/dev/null | sed 's/.*=//'
}
keystore_state() { (cd "$WORK/ssl" && ls -A | sort && cat server.key server.crt | sha256sum); }

# Without agreeing to the terms pebble refuses the account.
out=$(acme --email ops@webmsg.test --domain "$NAME" 2>&1)
expect_match "the terms of service must be agreed to" 'terms of service.*--agree-tos' "$out"
check "and no account key was made for it" test ! -e "$WORK/ssl/acme-account.key"

# Issue.
before=$(served_fingerprint)
out=$(acme --email ops@webmsg.test --domain "$NAME" --domain "www.$NAME" --agree-tos 2>&1)
expect_eq "ssl acme succeeds" 0 "$?"
expect_match "it says what it installed" 'installed .*server.crt' "$out"
expect_match "it was applied" 'applied \(version' "$out"
fingerprint_changed() { [ "$(served_fingerprint)" != "$before" ]; }
wait_for 10 fingerprint_changed
pebble_root "$pk/root.pem"
openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername "$NAME" -showcerts </dev/null 2>/dev/null |
	awk '/BEGIN CERT/,/END CERT/' > "$pk/served.pem"
openssl x509 -in "$pk/served.pem" > "$pk/leaf.pem" 2>/dev/null
awk 'n>=1; /END CERT/ {n++}' "$pk/served.pem" > "$pk/untrusted.pem"
out=$(openssl verify -CAfile "$pk/root.pem" -untrusted "$pk/untrusted.pem" "$pk/leaf.pem" 2>&1)
expect_match "the served certificate chains to pebble's root" ': OK$' "$out"
expect_match "it names both hosts" "DNS:$NAME, DNS:www.$NAME|DNS:www.$NAME, DNS:$NAME" \
	"$(openssl x509 -in "$pk/leaf.pem" -noout -ext subjectAltName 2>/dev/null)"
expect_eq "the account key is kept 0600" 600 "$(stat -c %a "$WORK/ssl/acme-account.key")"
expect_match "the account key is encrypted" 'BEGIN ENCRYPTED PRIVATE KEY' "$(head -1 "$WORK/ssl/acme-account.key")"
expect_eq "the new server key is 0600" 600 "$(stat -c %a "$WORK/ssl/server.key")"
check "the self-signed pair is kept as a backup" test -n "$(compgen -G "$WORK/ssl/server.crt.*.bak")"
expect_eq "no challenge file is left" "" "$(ls -A "$WORK/acme-challenge" 2>/dev/null)"
expect_eq "how it was obtained is remembered" "$DIR" "$(admin config get ssl.acme_directory)"
expect_eq "with its names" "$NAME,www.$NAME" "$(admin config get ssl.acme_domains)"

# The challenge path is served on plain HTTP while Force SSL redirects the rest.
mkdir -p "$WORK/acme-challenge"
printf 'tok_en-1.thumb' > "$WORK/acme-challenge/tok_en-1"
out=$(curl -s -D - "http://127.0.0.1:$HTTP_PORT/.well-known/acme-challenge/tok_en-1")
expect_match "a challenge is answered over HTTP despite Force SSL" '^HTTP/1.1 200' "$out"
expect_match "as text/plain" '[Cc]ontent-[Tt]ype: text/plain' "$out"
expect_match "with the key authorization" 'tok_en-1\.thumb$' "$out"
expect_match "other paths are still redirected" '^30[1278]$' "$(http_code "http://127.0.0.1:$HTTP_PORT/logon")"
expect_eq "a token that is not base64url is not looked up" 404 \
	"$(http_code --path-as-is "http://127.0.0.1:$HTTP_PORT/.well-known/acme-challenge/..%2Fwebmsg.db")"
rm -f "$WORK/acme-challenge/tok_en-1"

# pebble's VA now asks on a port where nobody answers: a clear error, and
# nothing changes.
stop_pebble
check "pebble restarted on another HTTP port" start_pebble "$(free_port)"
served=$(served_serial)
state=$(keystore_state)
out=$(admin ssl acme renew --force 2>&1)
expect_eq "a renewal whose challenge fails fails" 1 "$?"
expect_match "the error says the CA could not reach the name" "could not reach http://(www\.)?$NAME/\.well-known/acme-challenge/" "$out"
expect_match "and asks about port 80" "port 80 forwarded to webmsgd's HTTP port $HTTP_PORT" "$out"
expect_match "and that the current certificate stays" 'current certificate stays' "$out"
expect_eq "the old certificate is still served" "$served" "$(served_serial)"
expect_eq "nothing changed in the key store" "$state" "$(keystore_state)"
expect_eq "no challenge file is left after a failure" "" "$(ls -A "$WORK/acme-challenge" 2>/dev/null)"
out=$(admin check 2>&1 | grep -A1 'server certificate:')
expect_match "check shows the certificate from the CA, how it renews and the failed renewal" \
	"^(WARN|FAIL) +server certificate: issuer .*; names DNS:(www\.)?$NAME, .*days left.*ACME, renewed by webmsg-acme-renew\.timer, next after .*; last renewal failed .* \(attempt 1\): the CA could not reach" "$out"
expect_match "service status too" 'certificate: .*last renewal failed' "$(admin service status 2>&1)"

# Right after a failure, and not due anyway: the timer's run does nothing, quietly.
out=$(admin ssl acme renew 2>&1)
expect_eq "a renewal that is not due succeeds" 0 "$?"
expect_eq "and says nothing" "" "$out"

# A forced renewal while a client keeps asking: no request fails.
stop_pebble
check "pebble restarted on webmsgd's HTTP port" start_pebble "$HTTP_PORT"
( end=$((SECONDS + 120)); failures=0
  while [ ! -e "$WORK/stop-load" ] && [ $SECONDS -lt $end ]; do
	code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 10 "https://127.0.0.1:$HTTPS_PORT/logon")
	[ "$code" = 200 ] || failures=$((failures + 1))
  done; echo "$failures" > "$WORK/load-failures" ) &
LOAD=$!
out=$(admin ssl acme renew --force 2>&1)
expect_eq "a forced renewal succeeds" 0 "$?"
expect_eq "quietly" "" "$out"
serial_changed() { [ "$(served_serial)" != "$served" ]; }
wait_for 10 serial_changed
new=$(served_serial)
expect_match "a certificate is served" '^[0-9A-F]+$' "$new"
check "a new serial is served after the renewal" test "$new" != "$served"
touch "$WORK/stop-load"
wait "$LOAD"
expect_eq "no request failed during the swap" 0 "$(cat "$WORK/load-failures")"
expect_no_match "a successful renewal clears the failure" 'last renewal failed' "$(admin check 2>&1)"
finish
