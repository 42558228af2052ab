#!/usr/bin/env bash
# webmsg-admin check: one line per check, a hint for each problem, exit 1 on FAIL.
. "$(dirname "$0")/lib.sh"
new_cert_instance

out=$(admin check 2>&1)
expect_eq "check fails while webmsgd is not running" 1 "$?"
expect_match "it says SSL is disabled" 'WARN +SSL is disabled' "$out"
expect_match "it says webmsgd is not running, with the command to start it" 'FAIL +webmsgd is not running.*service start' "$(printf '%s' "$out" | tr '\n' ' ')"

admin ssl enable >/dev/null
admin service start >/dev/null
out=$(admin check 2>&1)
expect_eq "check passes on a working HTTPS setup" 0 "$?"
# The tests serve as whoever runs them (lib.sh), root in CI: the one warning
# that is the test's own choice.
expect_no_match "no WARN or FAIL" '^(WARN|FAIL)' "$(printf '%s\n' "$out" | grep -v 'service.user is')"
fp=$(served_fingerprint)
expect_match "the handshake line shows protocol, cipher and the served fingerprint" "OK +HTTPS handshake.*TLSv1\.[23], .*${fp:-none}" "$out"

# One threshold, 14 days, for every line that shows a certificate's days.
out=$(admin ssl selfsign --cn localhost --san 127.0.0.1 --days 20 --force 2>&1)
out=$(admin check 2>&1)
expect_no_match "a certificate with 20 days left is no warning yet" '^WARN .*(expires in|days left)' "$out"
expect_match "its line says until when it is valid" 'OK +certificate valid until .*\((19|20) days\)' "$out"
out=$(admin ssl selfsign --cn localhost --san 127.0.0.1 --days 10 --force 2>&1)
out=$(admin check 2>&1)
expect_match "a certificate expiring within 14 days is a warning" 'WARN +the certificate expires in (9|10) days' "$out"
expect_match "on its status line too" '^WARN +server certificate: .*(9|10) days left' "$out"

# A key password changed behind the program's back: the daemon keeps serving,
# check names the problem and says what to do.
sqlite3 "$WEBMSG_CONFIG" "UPDATE settings SET value = 'wrong-password' WHERE key = 'ssl.key_password';
	INSERT INTO config_versions VALUES ((SELECT max(version) + 1 FROM config_versions), '2026-01-01T00:00:00Z', 'test', '');"
admin service reload >/dev/null 2>&1
out=$(admin check 2>&1)
expect_eq "check fails on a key that does not decrypt" 1 "$?"
expect_match "the key check says why" 'FAIL +ssl.key_password: cannot decrypt the private key with the stored password' "$out"
expect_match "the version check says the daemon is behind" 'WARN +webmsgd serves configuration version' "$out"
expect_match "the last reload error is shown" 'FAIL +last reload failed: SSL initialisation failed' "$out"
expect_match "the old certificate still completes a handshake" 'OK +HTTPS handshake' "$out"
finish
