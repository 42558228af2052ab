#!/usr/bin/env bash
# Client certificates: "required" refuses a browser without a trusted one,
# "optional" lets everyone in and shows the verified identity.
. "$(dirname "$0")/lib.sh"
new_ssl_instance
admin service start >/dev/null
url="https://127.0.0.1:$HTTPS_PORT/"

# A client CA, a client it trusts, and one from a CA it does not know.
ca=$WORK/ca
mkdir "$ca"
make_ca() { # NAME
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-subj "/CN=$1" -keyout "$ca/$1.key" -out "$ca/$1.crt" 2>/dev/null
}
make_client() { # NAME CA EMAIL
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/CN=$1/emailAddress=$3" -keyout "$ca/$1.key" -out "$ca/$1.csr" 2>/dev/null
	printf 'extendedKeyUsage=clientAuth\n' > "$ca/ext"
	openssl x509 -req -in "$ca/$1.csr" -CA "$ca/$2.crt" -CAkey "$ca/$2.key" -CAcreateserial \
		-days 30 -extfile "$ca/ext" -out "$ca/$1.crt" 2>/dev/null
}
make_ca trusted-ca
make_ca stranger-ca
make_client alice trusted-ca alice@example.org
make_client mallory stranger-ca mallory@example.net
with_cert() { # NAME CURL-ARGS...
	local name=$1
	shift
	curl -sk --cert "$ca/$name.crt" --key "$ca/$name.key" "$@"
}

out=$(admin ssl client-auth required 2>&1)
expect_eq "required without a CA file is refused" 1 "$?"
expect_match "and says a CA file is needed" 'CA' "$out"
out=$(admin ssl client-auth required --ca "$ca/trusted-ca.crt" 2>&1)
expect_match "client-auth required is applied" 'applied' "$out"
expect_eq "required: no certificate, no connection" 000 "$(http_code -k "$url")"
expect_eq "required: an untrusted certificate is refused" 000 "$(with_cert mallory -o /dev/null -w '%{http_code}' "$url")"
expect_eq "required: a trusted certificate gets in" 200 "$(with_cert alice -o /dev/null -w '%{http_code}' "$url")"
check "required: openssl s_client (TLS 1.2) without a certificate fails the handshake" \
	bash -c "! timeout 5 openssl s_client -tls1_2 -connect 127.0.0.1:$HTTPS_PORT </dev/null >/dev/null 2>&1"
check "required: gnutls-cli (TLS 1.3) without a certificate is refused" \
	bash -c "! (printf 'GET / HTTP/1.0\r\n\r\n'; sleep 1) | timeout 5 gnutls-cli --insecure --port $HTTPS_PORT 127.0.0.1 2>/dev/null | grep -q 'HTTP/1.1 200'"
expect_eq "required: plain HTTP is not affected" 200 "$(http_code "http://127.0.0.1:$HTTP_PORT/")"

check "client-auth optional" admin ssl client-auth optional --ca "$ca/trusted-ca.crt"
expect_eq "optional: no certificate is fine" 200 "$(http_code -k "$url")"
expect_no_match "optional: no identity shown without a certificate" 'Client certificate' "$(curl -sk "$url")"
page=$(with_cert alice "$url")
expect_match "optional: the verified identity is shown" 'Client certificate: .*CN=alice' "$page"
expect_match "optional: with its e-mail address" 'alice@example.org' "$page"
page=$(with_cert mallory "$url")
expect_no_match "optional: an untrusted certificate shows no identity" 'mallory' "$page"

check "client-auth none" admin ssl client-auth none
expect_eq "none: no certificate is fine" 200 "$(http_code -k "$url")"
expect_no_match "none: no identity even with a certificate" 'Client certificate' "$(with_cert alice "$url")"
finish
