#!/usr/bin/env bash
# What HTTPS serves is the material the decision checked, read once per
# reload: a key file replaced behind the program's back changes nothing until
# a reload, and a reload that finds it wrong is refused while the old
# certificate keeps being served.
. "$(dirname "$0")/lib.sh"
new_ssl_instance
admin service start >/dev/null || { fail "start webmsgd"; finish; }
pid=$(daemon_pid)
served=$(served_fingerprint)
expect_match "HTTPS serves the self-signed certificate" '^([0-9A-F]{2}:){31}[0-9A-F]{2}$' "$served"
expect_match "the key on disk is encrypted" 'BEGIN ENCRYPTED PRIVATE KEY' "$(head -1 "$WORK/ssl/server.key")"

# A pair of another certificate, made outside webmsg.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$WORK/other.key" -out "$WORK/other.crt" >/dev/null 2>&1 ||
	{ fail "make another pair"; finish; }
other=$(openssl x509 -in "$WORK/other.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
cp -p "$WORK/ssl/server.key" "$WORK/good.key"
cp -p "$WORK/ssl/server.crt" "$WORK/good.crt"

# The key file is replaced by the other certificate's key, without a reload.
cat "$WORK/other.key" >"$WORK/ssl/server.key"
expect_eq "without a reload the handshake still gives the checked certificate" "$served" "$(served_fingerprint)"
expect_eq "and HTTPS still serves pages" 200 "$(http_code -k "https://127.0.0.1:$HTTPS_PORT/")"

# The reload checks the files and refuses the pair that does not match.
out=$(admin service reload 2>&1)
expect_match "a reload with a key of another certificate is refused with the reason" \
	'does not match the private key' "$out"
expect_eq "the old generation keeps serving the certificate it checked" "$served" "$(served_fingerprint)"
expect_eq "and pages" 200 "$(http_code -k "https://127.0.0.1:$HTTPS_PORT/")"
expect_match "status says what failed" 'does not match' "$(admin service status 2>&1)"
expect_eq "same process" "$pid" "$(daemon_pid)"

# The other pair whole, unencrypted on disk: checked, then served from memory.
cat "$WORK/other.crt" >"$WORK/ssl/server.crt"
out=$(admin service reload 2>&1)
expect_eq "a reload with a matching pair is applied" 0 "$?"
expect_eq "the new certificate is served" "$other" "$(served_fingerprint)"

# Back to the stored pair, the key encrypted: the reload decrypts it with the
# stored password and the listener gets it already decrypted. The certificate
# is written as OpenSSL's "TRUSTED CERTIFICATE", which the check reads and
# GnuTLS would not: what is served is what the check parsed, written again.
openssl x509 -in "$WORK/good.crt" -trustout -addtrust serverAuth >"$WORK/ssl/server.crt" 2>/dev/null
expect_match "the certificate file is in OpenSSL's trusted form" 'BEGIN TRUSTED CERTIFICATE' \
	"$(head -1 "$WORK/ssl/server.crt")"
cat "$WORK/good.key" >"$WORK/ssl/server.key"
out=$(admin service reload 2>&1)
expect_eq "the reload with the stored pair is applied" 0 "$?"
expect_eq "and the stored certificate is served again" "$served" "$(served_fingerprint)"
expect_eq "same process throughout" "$pid" "$(daemon_pid)"
finish
