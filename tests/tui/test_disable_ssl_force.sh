#!/usr/bin/env bash
# Services, Web Messaging, Advanced: turning SSL off in the console turns
# Force SSL off with it, as `ssl disable` does (one rule, for every door):
# plain HTTP then serves pages instead of redirecting to a closed port.
. "$(dirname "$0")/lib.sh"
new_ssl_instance
admin ssl force on >/dev/null || { fail "Force SSL on"; finish; }
admin service start >/dev/null || { fail "start the daemon"; finish; }
expect_eq "Force SSL redirects plain HTTP" 302 "$(http_code "http://127.0.0.1:$HTTP_PORT/mail")"

console_start c
check "Web Messaging opens" select_node c 'Web Messaging'
keys c t
check "the Advanced tab shows SSL enabled" wait_screen c 'Enable SSL +\[x\]'
keys c Space
check "Space unticks Enable SSL" wait_screen c '\*Enable SSL +\[ \]'
keys c a
check "applying shows the daemon's answer" wait_screen c 'applied \(version [0-9]+\)'
expect_eq "SSL is off" off "$(db_value ssl.enable)"
expect_eq "Force SSL went off with it" off "$(db_value ssl.force)"
expect_eq "plain HTTP serves the logon page" 200 "$(http_code "http://127.0.0.1:$HTTP_PORT/")"
keys c Enter Escape q
check "q quits" console_ended c
finish
