#!/usr/bin/env bash
# Troubleshoot shows the checks of `webmsg-admin check`, the same results
# with the same hints, and checks again after something was fixed.
. "$(dirname "$0")/lib.sh"
new_ssl_instance

console_start c 120 40
check "Troubleshoot opens" select_node c 'Troubleshoot'
check "the checks run by themselves" wait_screen c 'failed, [0-9]+ warning'
# Each line of `check` is on the screen: its level, and its text and hint as
# far as the first row goes (the panel wraps what is longer).
same_as_check() {
	admin check >"$WORK/check.txt"
	screen c | python3 -c '
import re, sys
screen = " ".join(sys.stdin.read().split())
missing = []
for line in open(sys.argv[1]):
    words = line.split()
    if not words:
        continue
    want = " ".join(words)[:40].rstrip()
    if want not in screen:
        missing.append(want)
for m in missing:
    print("not shown: " + m, file=sys.stderr)
sys.exit(1 if missing else 0)
' "$WORK/check.txt"
}
check "every check of webmsg-admin check is shown, with its hint" same_as_check
check "webmsgd is not running fails" wait_screen c 'FAIL webmsgd is not running'

keys c s
check "s starts it" wait_screen c 'webmsgd started'
keys c Enter c
check "checking again finds it running" wait_screen c 'OK +webmsgd is running \(pid [0-9]+\)'
check "and completes a handshake" wait_screen c "OK +HTTPS handshake on 127\.0\.0\.1 port $HTTPS_PORT"
keys c q
check "q quits" console_ended c
finish
