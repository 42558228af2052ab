#!/usr/bin/env bash
# The configuration commands: validation, history with who and when, revert,
# secrets kept out of command lines and output, users and domains.
. "$(dirname "$0")/lib.sh"
new_instance

out=$(admin config set web.http_port 70000 2>&1)
expect_eq "an out-of-range port exits 1" 1 "$?"
expect_match "and says the range" 'web.http_port: 70000 is outside 1..65535' "$out"
expect_eq "the port kept its value" "$HTTP_PORT" "$(admin config get web.http_port)"
out=$(admin config set no.such.key 1 2>&1)
expect_eq "an unknown setting exits 1" 1 "$?"
expect_match "and says so" 'no.such.key' "$out"
out=$(admin config set ssl.enable maybe 2>&1)
expect_match "a bool takes on or off" "ssl.enable: 'maybe' is not on or off" "$out"
out=$(admin config set ssl.cipher_profile weak 2>&1)
expect_match "an enum lists its choices" 'modern\|intermediate\|compatible\|custom' "$out"

out=$(admin config set session.idle_timeout 900 2>&1)
expect_match "a change while stopped is saved" 'saved \(version [0-9]+\)' "$out"
v_before=$(admin config history | grep -c .)
admin config set session.idle_timeout 900 >/dev/null
expect_eq "setting the same value makes no new version" "$v_before" "$(admin config history | grep -c .)"

out=$(SSH_CLIENT="198.51.100.7 50000 22" admin config set session.max_lifetime 7200 2>&1)
history=$(admin config history)
expect_match "history records the key, old and new value" 'session.max_lifetime.*43200.*7200' "$history"
expect_match "history records the SSH client address" '198.51.100.7' "$history"
expect_match "history records the OS user" "$(id -un)" "$history"

list=$(admin config list)
expect_match "config list shows every setting" 'web.https_port' "$list"
expect_match "config list marks defaults" 'ssl.cipher_profile.*intermediate.*default' "$list"
expect_match "config list -v shows help" 'Port for plain HTTP' "$(admin config list -v)"

# Secrets: never from the command line, never printed, never in the history.
out=$(admin config set ssl.key_password hunter2 2>&1)
expect_eq "a secret on the command line is refused" 1 "$?"
echo 'S3cret-Key-Pass' | admin config set ssl.key_password >/dev/null
expect_no_match "config list does not print the secret" 'S3cret-Key-Pass' "$(admin config list -v)"
expect_match "config list says the secret is set" 'ssl.key_password.*set' "$(admin config list)"
expect_no_match "config get does not print the secret" 'S3cret' "$(admin config get ssl.key_password 2>&1)"
history=$(admin config history)
expect_no_match "the history holds no secret" 'S3cret' "$history"
expect_match "the history says the secret changed" 'ssl.key_password.*secret' "$history"
check "the database is mode 0600" test "$(stat -c %a "$WEBMSG_CONFIG")" = 600

# Revert to the version before the timeouts changed.
v=$(sqlite3 "$WEBMSG_CONFIG" "SELECT max(version) FROM config_changes WHERE key = 'web.http_port'")
out=$(admin config revert "$v" 2>&1)
expect_match "revert reports the secret it kept" 'ssl.key_password' "$out"
expect_eq "revert restored the idle timeout" 1800 "$(admin config get session.idle_timeout)"
expect_eq "revert kept the port of that version" "$HTTP_PORT" "$(admin config get web.http_port)"
out=$(admin config revert 9999 2>&1)
expect_match "revert to a version that does not exist" 'no configuration version 9999' "$out"

# Applied by a running daemon.
admin service start >/dev/null
out=$(admin config set session.idle_timeout 1200 2>&1)
expect_match "a change with the daemon running is applied" '^applied \(version [0-9]+\)' "$out"
out=$(admin config set service.pidfile other.pid 2>&1)
expect_match "a restart-only setting says so" 'restart' "$out"
admin config unset service.pidfile >/dev/null

# Domains and users; passwords never on the command line.
check "domain add" admin domain add Example.ORG
expect_match "domain list shows it in lower case" 'example.org' "$(admin domain list)"
out=$(admin domain add example.org 2>&1)
expect_match "a duplicate domain is refused" 'already exists' "$out"
out=$(echo 'pw-one-two-3' | admin user add Alice@example.org 2>&1)
expect_match "user add from standard input" 'alice@example.org' "$out"
printf 'file-pass-4\n' > "$WORK/pw"
chmod 600 "$WORK/pw"
check "user add with --password-file" admin user add bob@example.org --password-file "$WORK/pw"
out=$(echo 'carol-pass-6' | admin user add carol@nowhere.example 2>&1)
expect_match "a user in an unknown domain says to add the domain" 'domain add' "$out"
out=$(echo 'short' | admin user add dave@example.org 2>&1)
expect_match "a short password is refused with the rule" 'at least 8 characters' "$out"
expect_eq "and the user is not added" "" "$(admin user list | grep dave)"
out=$(echo 'short' | admin user passwd alice@example.org 2>&1)
expect_match "user passwd refuses a short password too" 'at least 8 characters' "$out"
expect_match "user list" 'alice@example.org.*bob@example.org' "$(admin user list | tr '\n' ' ')"
hashes=$(sqlite3 "$WEBMSG_CONFIG" 'SELECT password_hash FROM users')
expect_match "passwords are stored as Argon2id hashes" '^\$argon2id\$' "$hashes"
expect_no_match "no password is stored as it is" 'pw-one-two-3|file-pass-4' "$hashes"
old_hash=$(sqlite3 "$WEBMSG_CONFIG" "SELECT password_hash FROM users WHERE name = 'alice'")
echo 'new-pass-5' | admin user passwd alice@example.org >/dev/null
check "user passwd changes the hash" test "$old_hash" != "$(sqlite3 "$WEBMSG_CONFIG" "SELECT password_hash FROM users WHERE name = 'alice'")"
out=$(admin domain del example.org 2>&1)
expect_match "a domain with users is not deleted without --force" 'still has 2 users' "$out"
check "user del" admin user del bob@example.org
expect_no_match "bob is gone" 'bob@' "$(admin user list)"

out=$(admin frobnicate 2>&1)
expect_eq "an unknown command exits 2" 2 "$(admin frobnicate >/dev/null 2>&1; echo $?)"
expect_match "an unknown command says so" 'frobnicate' "$out"
expect_match "help lists the commands" 'config set.*service status' "$(admin help | tr '\n' ' ')"
finish
