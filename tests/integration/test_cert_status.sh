#!/usr/bin/env bash
# What check and service status say about each certificate served: issuer,
# names, days left, how it renews, the last failed renewal. check warns from
# 14 days before expiry and fails once expired, or when the renewal failed
# with fewer than 14 days left; failed renewals are spaced out (1 h, 2 h ...).
. "$(dirname "$0")/lib.sh"

new_ssl_instance
SSL=$WORK/ssl
PW=$(admin config get ssl.key_password)
cert_line() { admin check 2>&1 | grep -E "^(OK|WARN|FAIL) +$1:" -A1; }

out=$(cert_line "server certificate")
expect_match "check names the self-signed certificate, its issuer and names" \
	'^OK +server certificate: issuer CN ?= ?localhost; names DNS:localhost, IP Address:127\.0\.0\.1; [0-9]+ days left \(until [^)]+\); manual: self-signed$' "$out"
out=$(admin service status 2>&1)
expect_match "service status shows it too" '^certificate: +server certificate: issuer .*days left.*manual: self-signed' "$out"

# install_cert START END: a certificate of ours (openssl ca) for 127.0.0.1 with
# that validity (days left are counted up to a whole day), and its key encrypted with the stored password.
mkdir -p "$WORK/ca/db"
touch "$WORK/ca/db/index.txt"
echo 01 > "$WORK/ca/db/serial"
cat > "$WORK/ca/ca.cnf" <<CNF
[ca]
default_ca = c
[c]
database = $WORK/ca/db/index.txt
serial = $WORK/ca/db/serial
new_certs_dir = $WORK/ca/db
default_md = sha256
policy = p
copy_extensions = copy
unique_subject = no
[p]
commonName = supplied
CNF
install_cert() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=short.webmsg.test \
		-addext subjectAltName=DNS:short.webmsg.test,IP:127.0.0.1 -addext extendedKeyUsage=serverAuth \
		-keyout "$WORK/ca/k.pem" -out "$WORK/ca/r.pem" 2>/dev/null &&
		openssl ca -batch -config "$WORK/ca/ca.cnf" -selfsign -keyfile "$WORK/ca/k.pem" \
			-in "$WORK/ca/r.pem" -startdate "$1" -enddate "$2" -out "$SSL/server.crt" >/dev/null 2>&1 &&
		openssl pkcs8 -topk8 -v2 aes-256-cbc -passout "pass:$PW" -in "$WORK/ca/k.pem" \
			-out "$SSL/server.key" 2>/dev/null
}
utc() { date -u -d "$1" +%Y%m%d%H%M%SZ; }

check "a certificate that lasts 10 days more" install_cert "$(utc '-1 day')" "$(utc '+10 days 1 hour')"
out=$(cert_line "server certificate")
expect_match "check warns 14 days before expiry" '^WARN +server certificate: issuer CN ?= ?short\.webmsg\.test; names DNS:short\.webmsg\.test, IP Address:127\.0\.0\.1; 1[01] days left' "$out"
expect_match "and says what to do" '-> renew it soon' "$out"

check "an expired certificate" install_cert "$(utc '-40 days')" "$(utc '-3 days')"
out=$(cert_line "server certificate")
expect_match "check fails an expired certificate" '^FAIL +server certificate: .*expired [34] days ago' "$out"

# The client-CA file is a certificate served too.
cp "$SSL/server.crt" "$WORK/client-ca.pem"
check "a client-CA file" admin config set ssl.client_ca_file "$WORK/client-ca.pem"
out=$(cert_line "client CA file")
expect_match "check shows the client-CA file" '^FAIL +client CA file: issuer CN ?= ?short\.webmsg\.test; .*expired [34] days ago \(until [^)]+\); manual: the CA' "$out"
admin config set ssl.client_ca_file "" >/dev/null

# A certificate from ACME whose renewal fails (no CA answers there): the
# failure is recorded and shown, and the next attempt waits.
check "a certificate that lasts 10 days more" install_cert "$(utc '-80 days')" "$(utc '+10 days 1 hour')"
admin config set ssl.acme_directory "https://127.0.0.1:$(free_port)/dir" >/dev/null &&
	admin config set ssl.acme_domains short.webmsg.test >/dev/null || fail "ACME settings"
before=$(sha256sum < "$SSL/server.crt")
out=$(admin ssl acme renew 2>&1)
expect_eq "the due renewal fails" 1 "$?"
expect_match "saying why, that the certificate stays and when it tries again" \
	'failed \(attempt 1\): cannot reach the ACME server.*current certificate stays; next attempt after [0-9-]+ [0-9:]+' "$out"
expect_eq "the certificate is unchanged" "$before" "$(sha256sum < "$SSL/server.crt")"
expect_eq "the failure is recorded, 0600" 600 "$(stat -c %a "$WORK/acme-renewal.state")"
out=$(cert_line "server certificate")
expect_match "check fails a failed renewal with under 14 days left" \
	'^FAIL +server certificate: .*1[01] days left.*ACME, renewed by webmsg-acme-renew\.timer, next after [0-9-]+ [0-9:]+; last renewal failed [0-9-]+ [0-9:]+ \(attempt 1\): cannot reach the ACME server' "$out"
out=$(admin service status 2>&1)
expect_match "service status shows the failure" '^certificate: +FAIL server certificate: .*last renewal failed' "$out"
out=$(admin ssl acme renew 2>&1)
expect_eq "the timer's next run, within the hour, waits quietly" "0:" "$?:$out"
expect_match "and tries nothing" 'attempt 1\)' "$(cert_line "server certificate")"
out=$(admin ssl acme renew --force 2>&1)
expect_match "--force tries at once" 'failed \(attempt 2\)' "$out"

check "a certificate that lasts 30 days more" install_cert "$(utc '-80 days')" "$(utc '+30 days 1 hour')"
out=$(cert_line "server certificate")
expect_match "a failed renewal with time left is a warning" '^WARN +server certificate: .*(30|31) days left.*attempt 2' "$out"
finish
