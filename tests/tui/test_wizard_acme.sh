#!/usr/bin/env bash
# The SSL wizard's fourth choice: a certificate from an ACME CA (pebble,
# Let's Encrypt's test server), obtained over an http-01 challenge that the
# running webmsgd answers, then served and chaining to the CA's root, with
# the settings its renewal needs. The CA's terms must be agreed to first.
. "$(dirname "$0")/lib.sh"
new_instance
HTTPS_PORT=$(free_port)
# Not the default key store: the wizard's step 1 decides where the files go.
mkdir -m 700 "$WORK/keys"
admin service start >/dev/null || { fail "start the daemon"; finish; }
. "$(dirname "$0")/../integration/pebble.sh"
check "pebble is listening" pebble_start "$HTTP_PORT"
NAME=mail.webmsg.test

console_start c 120 40
check "SSL Configuration opens at step 1" select_node c 'SSL Configuration: step 1 of 5'
keys c Enter C-u
type_text c "$WORK/keys"
keys c Enter n
check "step 2: the certificate" wait_screen c 'step 2 of 5, Certificate'
keys c Space Space
check "the fourth choice: from an ACME CA" wait_screen c 'From an ACME CA \(Let.s Encrypt\)'
keys c n
check "it asks for an e-mail address" wait_screen c 'E-mail'
check "Let's Encrypt is the default directory" wait_screen c "Directory +< Let's Encrypt >"
keys c Enter
type_text c "ops@webmsg.test"
keys c Enter Down Enter C-u
type_text c "$NAME, www.$NAME"
keys c Enter Down Space Space
check "another CA can be chosen" wait_screen c 'Another CA'
keys c Down Enter
type_text c "$PEBBLE_DIR"
keys c Enter Down Enter
type_text c "$PEBBLE_CA"
keys c Enter n
check "the CA's terms must be agreed to, and are shown" wait_screen c 'read the CA.s terms of service at'
expect_eq "nothing is in the key store yet" "" "$(ls -A "$WORK/keys")"
keys c Down Down Space
check "Agree is ticked" wait_screen c 'Agree to the terms +\[x\]'
keys c n
check "step 3 comes next" wait_screen c 'step 3 of 5'
keys c n
check "step 4" wait_screen c 'step 4 of 5'
keys c n
check "step 5" wait_screen c 'Enable SSL +\[x\]'
keys c Down Down
type_text c "$HTTPS_PORT"
keys c Enter n
check "the summary says what the CA is asked for" wait_screen c 'Ask the ACME CA at https://127\.0\.0\.1'
check "and how it renews" wait_screen c 'webmsg-acme-renew\.timer'
keys c Enter
check "applying ends with a handshake" wait_screen c "HTTPS on 127\.0\.0\.1 port $HTTPS_PORT: TLSv1\.[23]" 120
check "it says it installed the CA's certificate" wait_screen c "installed the CA's certificate for $NAME"

pebble_root "$WORK/root.pem"
openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername "$NAME" -showcerts </dev/null 2>/dev/null |
	awk '/BEGIN CERT/,/END CERT/' > "$WORK/served.pem"
openssl x509 -in "$WORK/served.pem" > "$WORK/leaf.pem" 2>/dev/null
awk 'n>=1; /END CERT/ {n++}' "$WORK/served.pem" > "$WORK/untrusted.pem"
expect_match "the served certificate chains to pebble's root" ': OK$' \
	"$(openssl verify -CAfile "$WORK/root.pem" -untrusted "$WORK/untrusted.pem" "$WORK/leaf.pem" 2>&1)"
expect_match "for both names" "DNS:$NAME, DNS:www\.$NAME|DNS:www\.$NAME, DNS:$NAME" \
	"$(openssl x509 -in "$WORK/leaf.pem" -noout -ext subjectAltName 2>/dev/null)"
expect_eq "the renewal knows the CA" "$PEBBLE_DIR" "$(db_value ssl.acme_directory)"
expect_eq "and the names" "$NAME,www.$NAME" "$(db_value ssl.acme_domains)"
expect_eq "SSL is on" on "$(db_value ssl.enable)"
expect_eq "with the key store of step 1" "$WORK/keys" "$(db_value ssl.keystore)"
check "the certificate is there" test -f "$WORK/keys/server.crt"
check "and the account key" test -f "$WORK/keys/acme-account.key"
check "nothing went to the default key store" test ! -e "$WORK/ssl"
out=$(admin ssl acme renew 2>&1)
expect_eq "the renewal runs from what the wizard saved (not due: quietly)" "0:" "$?:$out"

keys c Enter
check "Done starts the wizard over" wait_screen c 'step 1 of 5'

# The CA now asks on a port nobody answers: its error, in plain words, in a
# dialog; the certificate served stays.
served=$(served_fingerprint)
pebble_stop
check "pebble restarted on another HTTP port" pebble_start "$(free_port)"
keys c n
check "step 2 again" wait_screen c 'step 2 of 5, Certificate'
keys c Space Space Space
check "the ACME choice" wait_screen c 'From an ACME CA'
keys c n Enter
type_text c "ops@webmsg.test"
keys c Enter Down Enter C-u
type_text c "$NAME"
keys c Enter Down Space Space Down Enter
type_text c "$PEBBLE_DIR"
keys c Enter Down Enter
type_text c "$PEBBLE_CA"
keys c Enter Down Down Space n
check "step 3" wait_screen c 'step 3 of 5'
keys c n n n
check "the summary" wait_screen c 'Ask the ACME CA at'
keys c Enter
check "the CA's error is shown in a dialog, in plain words" \
	wait_screen c "could not reach" 90
check "with the hint about port 80" wait_screen c 'port 80'
keys c Enter
check "the wizard goes back to the details" wait_screen c 'E-mail'
expect_eq "the certificate served is the same" "$served" "$(served_fingerprint)"
expect_eq "no challenge file is left" "" "$(ls -A "$WORK/acme-challenge" 2>/dev/null)"
keys c Escape
check "Cancel asks first" wait_screen c 'Leave the SSL configuration'
keys c y
check "and starts over" wait_screen c 'step 1 of 5'
keys c Escape q
check "q quits" console_ended c
finish
