#!/usr/bin/env bash
# A certificate from a CA: request, signed answer with its chain, import, and
# the refusals that keep a wrong certificate from being installed.
. "$(dirname "$0")/lib.sh"
new_ssl_instance
admin service start >/dev/null
ca=$WORK/ca
mkdir "$ca"

# A root and an intermediate, as a real CA has.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 60 -subj "/CN=Test Root" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
	-keyout "$ca/root.key" -out "$ca/root.crt" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=Test Intermediate" \
	-keyout "$ca/int.key" -out "$ca/int.csr" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' > "$ca/int.ext"
openssl x509 -req -in "$ca/int.csr" -CA "$ca/root.crt" -CAkey "$ca/root.key" -CAcreateserial \
	-days 60 -extfile "$ca/int.ext" -out "$ca/int.crt" 2>/dev/null
# sign CSR OUT [openssl x509 options]: the intermediate signs a server certificate.
sign() {
	local csr=$1 out=$2
	shift 2
	printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' \
		"${EKU:-serverAuth}" > "$ca/leaf.ext"
	openssl x509 -req -in "$csr" -CA "$ca/int.crt" -CAkey "$ca/int.key" -CAcreateserial \
		-extfile "$ca/leaf.ext" -out "$out" "$@" 2>/dev/null
}

out=$(admin ssl csr --cn localhost --san 127.0.0.1 --org "Example Org" --country DE 2>&1)
expect_match "ssl csr prints the request" 'BEGIN CERTIFICATE REQUEST' "$out"
check "the request is saved" test -s "$WORK/ssl/request.csr"
check "the request verifies" openssl req -in "$WORK/ssl/request.csr" -noout -verify
expect_match "the request carries the subject" 'O ?= ?Example Org' "$(openssl req -in "$WORK/ssl/request.csr" -noout -subject)"
selfsigned_fp=$(served_fingerprint)
expect_match "the self-signed certificate still serves meanwhile" '.+' "$selfsigned_fp"

# Refusals: nothing is installed and the served certificate stays.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
	-keyout "$ca/other.key" -out "$ca/other.csr" 2>/dev/null
sign "$ca/other.csr" "$ca/other.crt" -days 30
out=$(admin ssl import --cert "$ca/other.crt" --chain "$ca/int.crt" 2>&1)
expect_eq "a certificate for another key is refused" 1 "$?"
expect_match "because it does not match the key" 'does not match' "$out"
# openssl x509 cannot back-date; openssl ca can.
mkdir "$ca/db"
: > "$ca/db/index"
printf '[ca]\ndefault_ca=x\n[x]\ndatabase=%s/db/index\nnew_certs_dir=%s/db\nserial=%s/db/serial\ndefault_md=sha256\npolicy=p\ncopy_extensions=none\n[p]\ncommonName=supplied\n[ext]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' \
	"$ca" "$ca" "$ca" > "$ca/ca.cnf"
echo 01 > "$ca/db/serial"
openssl ca -batch -config "$ca/ca.cnf" -cert "$ca/int.crt" -keyfile "$ca/int.key" -extensions ext \
	-startdate 20200101000000Z -enddate 20200201000000Z -in "$WORK/ssl/request.csr" -out "$ca/old.crt" 2>/dev/null
check "an expired certificate was made for the test" openssl x509 -in "$ca/old.crt" -noout
out=$(admin ssl import --cert "$ca/old.crt" --chain "$ca/int.crt" 2>&1)
expect_match "an expired certificate is refused" 'expired' "$out"
EKU=clientAuth sign "$WORK/ssl/request.csr" "$ca/client.crt" -days 30
out=$(admin ssl import --cert "$ca/client.crt" --chain "$ca/int.crt" 2>&1)
expect_match "a certificate that is not for servers is refused" 'server' "$out"
sign "$WORK/ssl/request.csr" "$ca/good.crt" -days 30
out=$(admin ssl import --cert "$ca/good.crt" --chain "$ca/root.crt" 2>&1)
expect_match "a chain that does not lead to the certificate is refused" 'did not issue' "$out"
expect_eq "after the refusals the self-signed certificate still serves" "$selfsigned_fp" "$(served_fingerprint)"

cat "$ca/int.crt" "$ca/root.crt" > "$ca/chain.crt"
out=$(admin ssl import --cert "$ca/good.crt" --chain "$ca/chain.crt" 2>&1)
expect_match "the CA's certificate is installed and applied" 'applied' "$out"
expect_match "ssl show: issued by a CA" 'issued by a certificate authority' "$(admin ssl show)"
expect_eq "the served certificate is the CA's" \
	"$(openssl x509 -in "$ca/good.crt" -noout -fingerprint -sha256 | sed 's/.*=//')" "$(served_fingerprint)"
verify=$(openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -CAfile "$ca/root.crt" -verify_return_error </dev/null 2>&1)
expect_match "a client that trusts the root verifies the served chain" 'Verify return code: 0' "$verify"
check "curl trusting the root gets the page" curl -sf --cacert "$ca/root.crt" -o /dev/null "https://localhost:$HTTPS_PORT/" --resolve "localhost:$HTTPS_PORT:127.0.0.1"

# The same files work in nginx's and Apache's format: PEM, encrypted PKCS#8, chain.
pass=$(sqlite3 "$WEBMSG_CONFIG" "SELECT value FROM settings WHERE key = 'ssl.key_password'")
check "the key opens with the stored password (openssl pkey)" openssl pkey -in "$WORK/ssl/server.key" -passin "pass:$pass" -noout
check "the key store's certificate and chain verify with openssl" \
	openssl verify -CAfile "$ca/root.crt" -untrusted "$WORK/ssl/chain.crt" "$WORK/ssl/server.crt"
finish
