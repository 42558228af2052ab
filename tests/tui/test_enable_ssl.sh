#!/usr/bin/env bash
# Services, Web Messaging, Advanced: Enable SSL ticked and applied in the
# console is saved, applied by the running daemon, and HTTPS answers.
. "$(dirname "$0")/lib.sh"
new_cert_instance
admin service start >/dev/null || { fail "start the daemon"; finish; }
pid=$(daemon_pid)
before=$(sqlite3 "$WEBMSG_CONFIG" 'select config_version from daemon_status')

console_start c
check "Web Messaging opens" select_node c 'Web Messaging'
check "its General tab comes first" wait_screen c 'HTTP port +[0-9]+'
keys c t
check "t shows the Advanced tab" wait_screen c 'Enable SSL +\[ \]'
check "with the client authentication summary" wait_screen c 'Client authentication: none'
keys c Space
check "Space ticks Enable SSL, marked as changed" wait_screen c '\*Enable SSL +\[x\]'
expect_eq "nothing is saved before applying" "" "$(db_value ssl.enable)"
keys c a
check "applying shows the daemon's answer" wait_screen c 'applied \(version [0-9]+\)'
version=$(screen c | grep -Eo 'applied \(version [0-9]+\)' | grep -Eo '[0-9]+')

expect_eq "the database has the new value" on "$(db_value ssl.enable)"
expect_eq "as the version the console named" "$version" "$(sqlite3 "$WEBMSG_CONFIG" 'select max(version) from config_versions')"
after=$(sqlite3 "$WEBMSG_CONFIG" 'select config_version from daemon_status')
expect_eq "the daemon reloaded and applied that version" "$version" "$after"
check "which is newer than before" test "$after" -gt "$before"
expect_eq "the same daemon (no restart)" "$pid" "$(daemon_pid)"
check "the HTTPS port completes a handshake" gnutls_handshake NORMAL
expect_eq "and serves the logon page" 200 "$(http_code -k "https://127.0.0.1:$HTTPS_PORT/")"
expect_eq "with the key store's certificate" \
	"$(openssl x509 -in "$WORK/ssl/server.crt" -noout -fingerprint -sha256 | sed 's/.*=//')" \
	"$(served_fingerprint)"

keys c Enter
check "the dialog closes; the field is no longer marked changed" wait_screen c '^.{23} Enable SSL +\[x\]'
keys c Escape q
check "q quits" console_ended c
finish
