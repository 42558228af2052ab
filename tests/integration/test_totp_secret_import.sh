#!/usr/bin/env bash
# session.secret seals every TOTP key of its database: a configuration
# imported with --with-secrets from another machine (another session.secret)
# never replaces it. The import says it kept it, the other secrets come
# through, and a user who set up two-step verification still logs on with
# codes from the key she has.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/totp_lib.sh"
new_instance
add_user ann@example.org 'Ann-pass-1'
stored() { sqlite3 "$1" "SELECT value FROM settings WHERE key = '$2'"; }
ours=$(stored "$WEBMSG_CONFIG" session.secret)

# Another machine: its own session.secret (made by init) and an SMTP password.
B="$WORK/b/webmsg.db"
mkdir -m 700 "$WORK/b"
admin -c "$B" init >/dev/null || { fail "init B"; finish; }
# B serves like A (the same mail root), with secrets of its own.
admin config export "$WORK/plain.cfg" 2>/dev/null
admin -c "$B" config import "$WORK/plain.cfg" >/dev/null || fail "B takes A's settings"
echo 'B-smtp-Secret-3' | admin -c "$B" config set smtp.password >/dev/null
admin -c "$B" config export --with-secrets "$WORK/b.cfg" 2>/dev/null
expect_match "B's file carries its own session.secret" 'session.secret = "' "$(cat "$WORK/b.cfg")"
expect_no_match "which is not ours" "$ours" "$(cat "$WORK/b.cfg")"

admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"

expect_eq "ann logs on" "303 $base/mail" "$(logon "$WORK/a" "$base" ann@example.org Ann-pass-1)"
secret=$(totp_enrol "$WORK/a")
expect_match "she sets up two-step verification" '^[A-Z2-7]{32}$' "$secret"

out=$(admin config diff "$WORK/b.cfg")
expect_match "diff says session.secret is kept" 'session.secret: the file has another value; kept' "$out"
out=$(admin config import "$WORK/b.cfg" 2>&1)
expect_eq "the import succeeds" 0 "$?"
expect_match "and says session.secret was kept" 'session.secret: the file has another value; kept' "$out"
expect_eq "session.secret is unchanged" "$ours" "$(stored "$WEBMSG_CONFIG" session.secret)"
expect_eq "the other secrets came through" 'B-smtp-Secret-3' "$(stored "$WEBMSG_CONFIG" smtp.password)"
out=$(admin config import "$WORK/b.cfg" 2>&1)
expect_match "importing again changes nothing" 'unchanged' "$out"

expect_eq "the password leads to the code page" "200 " \
	"$(logon "$WORK/c" "$base" ann@example.org Ann-pass-1)"
expect_eq "a code from her key logs on" "303 $base/mail" \
	"$(code_logon "$WORK/c" "$(fresh_code "$secret")")"
expect_match "into her mailbox" 'ann@example.org' "$(curl -s -b "$WORK/c" "$base/mail")"

# A database whose session.secret is empty (made before TOTP) takes one.
sqlite3 "$B" "DELETE FROM settings WHERE key = 'session.secret'"
admin config export --with-secrets "$WORK/a.cfg" 2>/dev/null
admin -c "$B" config import "$WORK/a.cfg" >/dev/null 2>&1
expect_eq "an empty session.secret is set by an import" "$ours" "$(stored "$B" session.secret)"
finish
