#!/usr/bin/env bash
# With client-auth required, `check` and its TLS probe live: a handshake
# refused without a client certificate is what "required" means (OK), and the
# tool exits 0 or 1, never 141 (SIGPIPE). Run a few times: it was one in three.
. "$(dirname "$0")/lib.sh"
new_ssl_instance
admin service start >/dev/null || { fail "service start"; finish; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-subj "/CN=client-ca" -keyout "$WORK/ca.key" -out "$WORK/ca.crt" 2>/dev/null
out=$(admin ssl client-auth required --ca "$WORK/ca.crt" 2>&1)
expect_match "client-auth required is applied" 'applied' "$out"

codes=""
for i in 1 2 3 4 5 6; do
	out=$(admin check 2>&1)
	rc=$?
	codes="$codes $rc"
	expect_match "run $i: the handshake line says the refusal is what required means" \
		'OK +HTTPS on 127.0.0.1 port [0-9]+ refuses a client without a certificate' "$out"
	expect_no_match "run $i: no handshake failure" 'FAIL +HTTPS handshake' "$out"
done
expect_no_match "check never dies of a signal (exit codes:$codes)" ' (1[2-9][0-9]|2[0-9][0-9])' "$codes"
expect_eq "check passes on every run" " 0 0 0 0 0 0" "$codes"
finish
