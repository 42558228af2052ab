#!/usr/bin/env bash
# The SSL Configuration wizard from the key store to a handshake: nothing
# changes before the summary; then the key, certificate and request are in
# the key store, the settings saved, and the running daemon serves the new
# certificate on the HTTPS port.
. "$(dirname "$0")/lib.sh"
new_instance
HTTPS_PORT=$(free_port)
mkdir -m 700 "$WORK/ssl"
admin service start >/dev/null || { fail "start the daemon"; finish; }
versions() { sqlite3 "$WEBMSG_CONFIG" 'select count(*) from config_versions'; }
before=$(versions)

console_start c
check "SSL Configuration opens at step 1" select_node c 'SSL Configuration: step 1 of 5'
keys c Enter C-u
type_text c "$WORK/nowhere"
keys c Enter n
check "a key store that does not exist is refused" wait_screen c 'nowhere.*(No such file|does not exist|not found)|cannot'
keys c Enter C-u
type_text c "$WORK/ssl"
keys c Enter n
check "step 2: the certificate" wait_screen c 'step 2 of 5, Certificate'
check "offers a self-signed one and a request" wait_screen c 'New self-signed, and a request'
keys c n
check "its subject comes next" wait_screen c 'Common name'
keys c Down Enter C-u
type_text c localhost
keys c Enter Down Down Down Down Down Down Down Enter
type_text c "127.0.0.1, mail.example.org "
keys c Enter n
check "step 3: the cipher profile, with what it allows" wait_screen c 'Versions: TLS1\.3, TLS1\.2'
keys c n
check "step 4: client certificates, none recommended" wait_screen c 'Client certificates +< none >'
keys c n
check "step 5: Enable SSL, ticked" wait_screen c 'Enable SSL +\[x\]'
keys c Down Down
type_text c "$HTTPS_PORT"
keys c Enter n
check "a summary comes before anything is done" wait_screen c 'Nothing has been changed yet'
check "it names the key store" wait_screen c "Key store: $WORK/ssl"
check "and the port" wait_screen c "enabled on port $HTTPS_PORT"
check "nothing is in the key store yet" test -z "$(ls -A "$WORK/ssl")"
expect_eq "no setting is saved yet" "$before" "$(versions)"

keys c Enter
check "applying ends with a handshake" wait_screen c "HTTPS on 127\.0\.0\.1 port $HTTPS_PORT: TLSv1\.[23]"
check "the daemon applied the settings" wait_screen c 'applied \(version [0-9]+\)'
for f in server.key server.crt request.key request.csr; do
	check "$f is in the key store" test -f "$WORK/ssl/$f"
	expect_eq "$f is mode 0600" 600 "$(stat -c %a "$WORK/ssl/$f")"
done
expect_match "the key is encrypted" 'BEGIN ENCRYPTED PRIVATE KEY' "$(head -1 "$WORK/ssl/server.key")"
expect_match "the certificate is for localhost" 'CN ?= ?localhost' "$(openssl x509 -in "$WORK/ssl/server.crt" -noout -subject)"
sans=$(openssl x509 -in "$WORK/ssl/server.crt" -noout -ext subjectAltName)
expect_match "and 127.0.0.1" 'IP Address:127.0.0.1' "$sans"
expect_match "and the name typed after a comma and a blank" 'DNS:mail\.example\.org' "$sans"
check "the request is a valid PKCS#10 request" openssl req -in "$WORK/ssl/request.csr" -noout -verify
expect_eq "ssl.enable is saved" on "$(db_value ssl.enable)"
expect_eq "ssl.keystore is saved" "$WORK/ssl" "$(db_value ssl.keystore)"
expect_eq "the key's password is stored" 1 "$(sqlite3 "$WEBMSG_CONFIG" "select count(*) from settings where key = 'ssl.key_password' and value != ''")"
expect_eq "as one new version" $((before + 1)) "$(versions)"
served=$(served_fingerprint)
expect_eq "the new certificate is served" \
	"$(openssl x509 -in "$WORK/ssl/server.crt" -noout -fingerprint -sha256 | sed 's/.*=//')" "$served"
keys c Up
check "the wizard shows the served certificate's fingerprint" wait_screen c "$(printf '%s' "${served:-none}" | cut -c1-20)"
check "and says it is the configured one" wait_screen c 'that is /.*'
keys c End
check "and the request for a CA, to send" wait_screen c 'END CERTIFICATE REQUEST'
check "webmsg-admin check agrees" admin check

keys c Enter
check "Done starts the wizard over" wait_screen c 'step 1 of 5'
keys c Escape q
check "q quits" console_ended c
finish
