#!/usr/bin/env bash
# Throttled logons (issue 12, finding 9): a user attacked from many addresses
# still logs on from a clean one, the addresses that failed wait, and a burst
# of parallel attempts as a delay ends gets one password check.
. "$(dirname "$0")/lib.sh"
new_instance
admin config set login.throttle_pair_failures 3 >/dev/null
admin config set login.throttle_user_failures 5 >/dev/null
add_user ann@example.org 'Ann-pass-1'
add_user bob@example.org 'Bob-pass-2'
admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"

# From another loopback address (the daemon listens on 127.0.0.1).
logon_from() {
	local from=$1
	shift
	logon "$WORK/j-$from-$RANDOM" "$base" "$@" --interface "$from"
}

# The attack: ten addresses, one wrong password each. From the fifth on the
# user is over its own threshold, and its delay doubles with every failure.
for i in $(seq 3 12); do logon_from "127.0.0.$i" ann@example.org wrong >/dev/null; done
expect_match "every attempt was logged with its own address" \
	'logon failed for user "ann@example.org" from 127\.0\.0\.12$' "$(cat "$WORK/webmsgd.log")"
out=$(logon_from 127.0.0.3 ann@example.org Ann-pass-1)
expect_eq "an address that failed waits, even with the right password" 429 "${out%% *}"
out=$(logon_from 127.0.0.2 ann@example.org Ann-pass-1)
expect_eq "the right password from a clean address logs on at once" "303 $base/mail" "$out"
expect_match "and the user sees the mailbox" 'ann@example.org' \
	"$(curl -s -b "$(ls -t "$WORK"/j-127.0.0.2-* | head -1)" "$base/mail")"

# A burst: three failures for bob, then 20 attempts at once when the delay
# of one second is over. Exactly one is checked; the others wait.
for i in 1 2 3; do logon "$WORK/jb" "$base" bob@example.org wrong >/dev/null; done
before=$(grep -c 'logon failed for user "bob@example.org"' "$WORK/webmsgd.log")
sleep 2 # the delay after the third failure is one second: let it end
codes=$(python3 - "$HTTP_PORT" <<'PY'
import http.client, re, sys, threading, urllib.parse
port = int(sys.argv[1])
forms = []
for _ in range(20):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("GET", "/")
    r = c.getresponse()
    page = r.read().decode()
    cookie = [v.split(";")[0] for k, v in r.getheaders() if k.lower() == "set-cookie"][0]
    csrf = re.search(r'name="csrf" value="([^"]*)"', page).group(1)
    forms.append((cookie, urllib.parse.urlencode({"csrf": csrf, "user": "bob@example.org", "password": "wrong"})))
    c.close()
start = threading.Barrier(20)
codes = []
def attempt(cookie, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    start.wait()
    c.request("POST", "/logon", body, {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    codes.append(c.getresponse().status)
threads = [threading.Thread(target=attempt, args=f) for f in forms]
for t in threads: t.start()
for t in threads: t.join()
print(" ".join(str(c) for c in sorted(codes)))
PY
)
after=$(grep -c 'logon failed for user "bob@example.org"' "$WORK/webmsgd.log")
expect_eq "one of 20 parallel attempts was checked, 19 told to wait" \
	"401$(printf ' 429%.0s' $(seq 19))" "$codes"
expect_eq "one more failure in the log" 1 "$((after - before))"
finish
