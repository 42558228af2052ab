#!/usr/bin/env bash
# The status screen shows the served certificate as check does: its issuer,
# names, how it renews, and a failed ACME renewal with its reason, read again
# while it is open.
. "$(dirname "$0")/lib.sh"
new_ssl_instance

console_start c 120 40
check "the server's status comes first" wait_screen c 'State +stopped'
check "it shows the certificate's issuer" wait_screen c 'Issuer +CN ?= ?localhost'
check "its names" wait_screen c 'Names +DNS:localhost, IP Address:127\.0\.0\.1'
check "and how it renews" wait_screen c 'Renews +manual: self-signed'

# Obtained from an ACME CA that no longer answers: the renewal fails.
admin config set ssl.acme_directory "https://127.0.0.1:$(free_port)/dir" >/dev/null &&
	admin config set ssl.acme_domains localhost >/dev/null || fail "ACME settings"
admin ssl acme renew --force >/dev/null 2>&1
check "the screen says it renews by the timer" wait_screen c 'Renews +ACME, renewed by webmsg-acme-renew\.timer, next after'
check "and that the last renewal failed, and why" wait_screen c 'Renewal +last renewal failed .*\(attempt 1\): cannot'
keys c q
check "q quits" console_ended c
finish
