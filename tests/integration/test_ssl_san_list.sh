#!/usr/bin/env bash
# Alternative names are typed as people write lists, "a, b": the blanks
# around each name are not part of it, in the certificate and in the request.
. "$(dirname "$0")/lib.sh"
new_instance
mkdir -m 700 "$WORK/ssl"
check "ssl keystore" admin ssl keystore "$WORK/ssl"

out=$(admin ssl selfsign --cn localhost --san " 127.0.0.1, mail.example.org ,webmail.example.org" 2>&1)
expect_eq "a list with blanks after and around commas is taken" 0 "$?"
sans=$(openssl x509 -in "$WORK/ssl/server.crt" -noout -ext subjectAltName 2>&1)
expect_match "the certificate names the address" 'IP Address:127\.0\.0\.1' "$sans"
expect_match "and each host name without its blanks" 'DNS:mail\.example\.org, DNS:webmail\.example\.org' "$sans"
expect_match "ssl show lists them" 'alternative names +.*DNS:mail\.example\.org' "$(admin ssl show)"

out=$(admin ssl csr --cn localhost --san "mail.example.org,  127.0.0.1" 2>&1)
expect_match "ssl csr takes the same list" 'BEGIN CERTIFICATE REQUEST' "$out"
req=$(openssl req -in "$WORK/ssl/request.csr" -noout -text 2>&1)
expect_match "the request carries both names" 'DNS:mail\.example\.org, IP Address:127\.0\.0\.1' "$req"

before=$(sha256sum < "$WORK/ssl/server.crt")
out=$(admin ssl selfsign --cn localhost --san "mail.example.org webmail.example.org" --force 2>&1)
expect_eq "a blank inside a name is refused" 1 "$?"
expect_match "saying to separate names with commas" 'commas' "$out"
expect_eq "and the certificate stays as it was" "$before" "$(sha256sum < "$WORK/ssl/server.crt")"
finish
