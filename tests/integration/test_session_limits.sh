#!/usr/bin/env bash
# One user cannot log everybody else off (issue 12, finding 5): replaying
# one's own remembered logon thousands of times ends only one's own sessions
# (1000 on a table of 16 show what 8000 on the default 4096 would),
# a full session table refuses new logons with a clear page and ends nobody's
# session, and remembered logons are throttled per address.
. "$(dirname "$0")/lib.sh"
new_instance
admin config set session.max_sessions 16 >/dev/null
admin config set session.max_per_user 3 >/dev/null
admin config set login.resume_per_minute 100000 >/dev/null
for u in ann bob carol dave eve f1 f2 f3 newbie; do add_user "$u@example.org" "${u}-Pass-1"; done
admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"

# resume FROM COOKIE N: N requests for /mail from address FROM with only the
# remember-me cookie, each with the token the one before got back. Prints how
# many showed eve's mailbox, then the last token.
resume() {
	python3 - "$HTTP_PORT" "$1" "$2" "$3" <<'PY'
import http.client, sys
port, source, cookie, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
ok = 0
for _ in range(n):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    c.request("GET", "/mail", headers={"Cookie": "webmsg_remember=" + cookie})
    r = c.getresponse()
    body = r.read()
    for k, v in r.getheaders():
        if k.lower() == "set-cookie" and v.startswith("webmsg_remember="):
            value = v.split(";", 1)[0].split("=", 1)[1]
            if value:
                cookie = value
    if b"eve@example.org" in body and b'name="password"' not in body:
        ok += 1
    c.close()
print(ok, cookie)
PY
}
sessions_open() { sqlite3 "$WEBMSG_CONFIG" 'SELECT sessions FROM daemon_status WHERE id = 1'; }
mailbox_of() { curl -s -b "$WORK/$1" "$base/mail" | grep -c "$1@example.org"; }

for u in ann bob carol dave; do logon "$WORK/$u" "$base" "$u@example.org" "${u}-Pass-1" >/dev/null; done
LOGON_EXTRA="remember=1" logon "$WORK/eve" "$base" eve@example.org eve-Pass-1 >/dev/null
token=$(cookie_of "$WORK/eve" webmsg_remember)
check "eve has a remember-me token" test -n "$token"

read -r ok token < <(resume 127.0.0.1 "$token" 1000)
expect_eq "1000 remembered logons of one user all worked" 1000 "$ok"
for u in ann bob carol dave; do
	check "$u is still logged on after them" test "$(mailbox_of $u)" -ge 1
done
expect_eq "eve holds only her cap of sessions (4 others + 3)" 7 "$(sessions_open)"

# Fill the table (16): three users with three sessions each.
for u in f1 f2 f3; do
	for i in 1 2 3; do logon "$WORK/$u-$i" "$base" "$u@example.org" "${u}-Pass-1" >/dev/null; done
done
expect_eq "the table is full" 16 "$(sessions_open)"
out=$(logon "$WORK/newbie" "$base" newbie@example.org newbie-Pass-1)
expect_eq "a new logon on a full table is refused" 503 "${out%% *}"
expect_match "with a page that says why" 'Too many people are logged on just now' "$(cat "$WORK/logon-answer.html")"
for u in ann bob carol dave; do
	check "$u's session was not ended to make room" test "$(mailbox_of $u)" -ge 1
done
read -r ok token < <(resume 127.0.0.1 "$token" 5)
expect_eq "eve's remembered logons still work on a full table (her own oldest goes)" 5 "$ok"
check "f1's first session is still there" test "$(curl -s -b "$WORK/f1-1" "$base/mail" | grep -c f1@example.org)" -ge 1
csrf=$(csrf_of <(curl -s -b "$WORK/ann" "$base/mail"))
curl -s -o /dev/null -b "$WORK/ann" --data-urlencode "csrf=$csrf" "$base/logoff"
out=$(logon "$WORK/newbie" "$base" newbie@example.org newbie-Pass-1)
expect_eq "once someone logs off there is room again" 303 "${out%% *}"

# Remembered logons are throttled per address, and a refused one keeps its token.
admin config set login.resume_per_minute 3 >/dev/null
read -r ok token < <(resume 127.0.0.3 "$token" 6)
expect_eq "three remembered logons a minute from one address" 3 "$ok"
read -r ok token < <(resume 127.0.0.4 "$token" 1)
expect_eq "the token refused there still works from another address" 1 "$ok"
finish
