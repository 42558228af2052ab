#!/usr/bin/env bash
# HTTPS as a browser meets it: the certificate, the protocol versions each
# cipher profile allows, Force SSL, and live reloads of all of it.
. "$(dirname "$0")/lib.sh"
new_instance
HTTPS_PORT=$(free_port)
admin config set web.https_port "$HTTPS_PORT" >/dev/null

out=$(admin ssl keystore "$WORK/nowhere" 2>&1)
expect_eq "a missing key store is refused" 1 "$?"
check "and nothing is created" test ! -e "$WORK/nowhere"
mkdir -m 700 "$WORK/ssl"
check "ssl keystore" admin ssl keystore "$WORK/ssl"
out=$(admin ssl enable 2>&1)
expect_match "enabling SSL without a certificate says what is missing" 'certificate' "$out"

check "ssl selfsign" admin ssl selfsign --cn localhost --san 127.0.0.1,mail.example.org
for f in server.key server.crt; do
	expect_eq "$f is mode 0600" 600 "$(stat -c %a "$WORK/ssl/$f")"
done
expect_match "the key is encrypted" 'BEGIN ENCRYPTED PRIVATE KEY' "$(head -1 "$WORK/ssl/server.key")"
show=$(admin ssl show)
expect_match "ssl show: subject" 'CN ?= ?localhost' "$show"
expect_match "ssl show: alternative names" 'IP Address:127.0.0.1' "$show"
expect_match "ssl show: self-signed" 'self-signed' "$show"
out=$(admin ssl selfsign --cn localhost 2>&1)
expect_match "an existing certificate is not overwritten without --force" 'force' "$out"

admin service start >/dev/null
pid=$(daemon_pid)
expect_eq "nothing listens on the HTTPS port while SSL is off" 000 "$(http_code -k "https://127.0.0.1:$HTTPS_PORT/")"
out=$(admin ssl enable 2>&1)
expect_match "ssl enable is applied by the daemon" 'applied' "$out"
expect_eq "HTTPS serves the logon page" 200 "$(http_code -k "https://127.0.0.1:$HTTPS_PORT/")"
expect_match "the page says it is in secure mode" 'Secure mode' "$(curl -sk "https://127.0.0.1:$HTTPS_PORT/")"
expect_eq "plain HTTP still serves" 200 "$(http_code "http://127.0.0.1:$HTTP_PORT/")"
fp=$(served_fingerprint)
expect_match "the served certificate is the one ssl show describes" "${fp:-none}" "$(admin ssl show)"
expect_eq "same pid after enabling SSL" "$pid" "$(daemon_pid)"

# Cipher profiles: what each one lets through.
expect_match "intermediate is the default" 'intermediate' "$(admin ssl ciphers)"
check "intermediate: TLS 1.3" gnutls_handshake "NORMAL:-VERS-ALL:+VERS-TLS1.3"
check "intermediate: TLS 1.2" gnutls_handshake "NORMAL:-VERS-ALL:+VERS-TLS1.2"
check "intermediate: no TLS 1.1" refused "NORMAL:-VERS-ALL:+VERS-TLS1.1"
check "intermediate: no CBC suite" refused "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA1:+SHA256"
out=$(admin ssl ciphers modern 2>&1)
expect_match "ssl ciphers modern is applied" 'applied' "$out"
expect_match "and lists TLS 1.3 suites" 'TLS_AES_128_GCM_SHA256' "$out"
check "modern: TLS 1.3" gnutls_handshake "NORMAL:-VERS-ALL:+VERS-TLS1.3"
check "modern: no TLS 1.2" refused "NORMAL:-VERS-ALL:+VERS-TLS1.2"
out=$(admin ssl ciphers compatible 2>&1)
expect_match "compatible warns" 'weak' "$out"
check "compatible: TLS 1.0" gnutls_handshake "NORMAL:-VERS-ALL:+VERS-TLS1.0"
out=$(admin ssl ciphers custom --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.3:BOGUS' 2>&1)
expect_eq "a bad priority string is refused" 1 "$?"
expect_match "with the position of the mistake" 'position [0-9]+' "$out"
expect_match "and nothing was saved" 'compatible' "$(admin config get ssl.cipher_profile)"
check "custom priority string" admin ssl ciphers custom --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.3'
check "custom: TLS 1.3" gnutls_handshake "NORMAL:-VERS-ALL:+VERS-TLS1.3"
admin ssl ciphers intermediate >/dev/null

# Force SSL: every plain request goes to the same path and query over HTTPS.
check "ssl force on" admin ssl force on
loc=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$HTTP_PORT/static/style.css?v=2&x=%41")
expect_eq "plain HTTP redirects to HTTPS, same path and query" "302 https://127.0.0.1:$HTTPS_PORT/static/style.css?v=2&x=%41" "$loc"
hsts=$(curl -sk -D - -o /dev/null "https://127.0.0.1:$HTTPS_PORT/")
expect_match "HTTPS sends Strict-Transport-Security" 'Strict-Transport-Security: max-age=31536000' "$hsts"
loc=$(curl -s -o /dev/null -w '%{redirect_url}' -H 'Host: evil.example"><script>' "http://127.0.0.1:$HTTP_PORT/")
expect_no_match "a hostile Host header is not echoed into the redirect" 'script|"' "$loc"
check "ssl force off" admin ssl force off
expect_eq "no redirect once Force SSL is off" 200 "$(http_code "http://127.0.0.1:$HTTP_PORT/")"
expect_no_match "no HSTS once Force SSL is off" 'Strict-Transport-Security' "$(curl -sk -D - -o /dev/null "https://127.0.0.1:$HTTPS_PORT/")"

# A new certificate is served after a reload, by the same process.
old_fp=$(served_fingerprint)
out=$(admin ssl selfsign --cn localhost --san 127.0.0.1 --key-type rsa-2048 --force 2>&1)
expect_match "a new certificate is applied" 'applied' "$out"
check "the old pair is kept as a backup" bash -c "ls $WORK/ssl/server.crt.*.bak >/dev/null"
new_fp=$(served_fingerprint)
check "the served fingerprint changed" test -n "$new_fp" -a "$new_fp" != "$old_fp"
expect_eq "same pid after the new certificate" "$pid" "$(daemon_pid)"

# A wrong key password is refused before it is saved, and says what to fix.
out=$(echo 'not-the-password' | admin config set ssl.key_password 2>&1)
expect_eq "a wrong key password is refused" 1 "$?"
expect_match "the refusal says the key does not decrypt" 'ssl.key_password: cannot decrypt the private key.*nothing was saved' "$out"
expect_eq "the old certificate still serves" "$new_fp" "$(served_fingerprint)"
expect_no_match "service status shows no error" 'SSL initialisation failed' "$(admin service status)"

# One changed behind the program's back: the daemon keeps serving the old
# one, and status and webmsgd -n say why.
sqlite3 "$WEBMSG_CONFIG" "UPDATE settings SET value = 'wrong-password' WHERE key = 'ssl.key_password';
	INSERT INTO config_versions VALUES ((SELECT max(version) + 1 FROM config_versions), '2026-01-01T00:00:00Z', 'test', '');"
admin service reload >/dev/null 2>&1
expect_eq "the old certificate still serves" "$new_fp" "$(served_fingerprint)"
expect_match "service status shows the SSL error" 'SSL initialisation failed' "$(admin service status)"
expect_match "webmsgd -n shows it too" 'cannot decrypt' "$("$WEBMSG_DAEMON" -n -c "$WEBMSG_CONFIG" 2>&1)"

# A request in flight while the daemon reloads is answered: half of it is
# sent, SSL is switched off (a reload), then the rest follows.
python3 - "$HTTPS_PORT" "$WORK/half-sent" "$WORK/reloaded" > "$WORK/inflight" 2>&1 <<'PY' &
import os, socket, ssl, sys, time
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
open(sys.argv[2], "w").close()
for _ in range(200):
    if os.path.exists(sys.argv[3]):
        break
    time.sleep(0.05)
s.sendall(b"Connection: close\r\n\r\n")
print(s.recv(100).decode(errors="replace").splitlines()[0])
PY
inflight=$!
wait_for 10 test -e "$WORK/half-sent"
admin ssl disable >/dev/null
touch "$WORK/reloaded"
wait $inflight
expect_match "a request in flight during a reload completes" 'HTTP/1.1 200' "$(cat "$WORK/inflight")"
expect_eq "with SSL disabled nothing listens on the HTTPS port" 000 "$(http_code -k "https://127.0.0.1:$HTTPS_PORT/")"
finish
