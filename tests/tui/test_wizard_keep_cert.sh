#!/usr/bin/env bash
# The SSL wizard with a certificate in place: "Keep the current certificate"
# comes first; a new self-signed one starts from the current subject and
# names; a key password shorter than the minimum stops Next on its step with
# the reason; keeping the certificate leaves key and certificate as they are
# while the later steps (Enable SSL, the port) still apply; a CA's answer for
# another key is refused at Next.
. "$(dirname "$0")/lib.sh"
new_instance
HTTPS_PORT=$(free_port)
mkdir -m 700 "$WORK/ssl"
admin config set web.https_port "$HTTPS_PORT" >/dev/null &&
	admin ssl keystore "$WORK/ssl" >/dev/null &&
	admin ssl selfsign --cn localhost --san "127.0.0.1, mail.example.org" --org Example \
		--country FR >/dev/null || { fail "make a certificate"; finish; }
admin service start >/dev/null || { fail "start the daemon"; finish; }
fingerprint() { openssl x509 -in "$WORK/ssl/server.crt" -noout -fingerprint -sha256 | sed 's/.*=//'; }
cert_before=$(fingerprint)
key_before=$(sha256sum <"$WORK/ssl/server.key")
versions() { sqlite3 "$WEBMSG_CONFIG" 'select count(*) from config_versions'; }
before=$(versions)

console_start c
check "SSL Configuration opens at step 1" select_node c 'SSL Configuration: step 1 of 5'
keys c n
check "step 2: the certificate" wait_screen c 'step 2 of 5, Certificate'
check "keeping the current certificate is offered first" \
	wait_screen c 'Certificate +< Keep the current certificate >'
keys c Right
check "the next choice is a new self-signed one" wait_screen c 'Certificate +< New self-signed'
keys c n
check "its common name is the current one" wait_screen c 'Common name +localhost'
check "so is the organisation" wait_screen c 'Organisation +Example'
check "and the country" wait_screen c 'Country +FR'
check "and the alternative names" wait_screen c 'Alternative names +127\.0\.0\.1, mail\.example\.org'

keys c Down Down Down Down Down Down Down Down Down Down
check "the cursor reaches the key password" wait_screen c 'Encrypts the private key'
keys c Enter
check "the password is asked for" wait_screen c 'Key password'
type_text c abc
keys c Enter
check "twice" wait_screen c 'Again, to be sure'
type_text c abc
keys c Enter
keys c n
check "a 3-character key password is refused at Next, with the reason" \
	wait_screen c 'at least 8 characters'
check "the wizard stays at step 2" wait_screen c 'step 2 of 5, Certificate'
check "with the cursor on the key password" wait_screen c 'Encrypts the private key'
check "nothing is made" test ! -e "$WORK/ssl/request.csr"

keys c b
check "Back to the choice" wait_screen c 'Certificate +< New self-signed'
keys c Left
check "keep the current certificate again" wait_screen c 'Certificate +< Keep the current certificate >'
keys c n
check "the current certificate is described" wait_screen c 'stays, with its key'
keys c n
check "step 3 still comes" wait_screen c 'step 3 of 5'
keys c n
check "step 4" wait_screen c 'step 4 of 5'
keys c n
check "step 5: Enable SSL, ticked" wait_screen c 'Enable SSL +\[x\]'
keys c n
check "the summary keeps the certificate" wait_screen c 'server\.crt\) and its key\.'
keys c Enter
check "applying is applied by the daemon" wait_screen c 'applied \(version [0-9]+\)'
check "and ends with a handshake" wait_screen c "HTTPS on 127\.0\.0\.1 port $HTTPS_PORT: TLSv1\.[23]"
expect_eq "as one new version" $((before + 1)) "$(versions)"
expect_eq "ssl.enable is saved" on "$(db_value ssl.enable)"
expect_eq "the certificate is the same" "$cert_before" "$(fingerprint)"
expect_eq "so is the key" "$key_before" "$(sha256sum <"$WORK/ssl/server.key")"
expect_eq "nothing was set aside as .bak" "" "$(ls "$WORK/ssl" | grep -F .bak)"
expect_eq "the daemon serves it" "$cert_before" "$(served_fingerprint)"
keys c Enter
check "Done starts the wizard over" wait_screen c 'step 1 of 5'

# A CA's answer for another key is refused at Next, under its field.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
	-keyout "$WORK/other.key" -out "$WORK/other.crt" -days 30 2>/dev/null
keys c n
check "step 2 again" wait_screen c 'Certificate +< Keep the current certificate >'
keys c Right Right
check "importing the CA's certificate" wait_screen c "Certificate +< Import the CA's certificate >"
keys c n
check "asks for its file" wait_screen c 'Certificate file'
keys c Enter C-u
type_text c "$WORK/other.crt"
keys c Enter n
check "a certificate for another key is refused at Next" \
	wait_screen c 'server\.key: the certificate does not match'
check "the wizard stays at step 2" wait_screen c 'step 2 of 5, Certificate'
expect_eq "the certificate is still the same" "$cert_before" "$(fingerprint)"
keys c Escape
check "Cancel asks first" wait_screen c 'Leave the SSL configuration'
keys c y
check "and starts over" wait_screen c 'step 1 of 5'
keys c Escape q
check "q quits" console_ended c
finish
