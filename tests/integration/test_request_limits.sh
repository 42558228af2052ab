#!/usr/bin/env bash
# Request limits: a POST is decided at its headers (no session: the logon page,
# before any of the body is read), the CSRF token must come first, uploads go
# to disk and arrive as attachments, headers and bodies sent too slowly are cut,
# and form memory in flight is capped.
. "$(dirname "$0")/lib.sh"
new_instance
add_user ann@example.org 'Ann-pass-1'
admin config set web.header_timeout 2 >/dev/null
admin config set web.body_min_rate 2000 >/dev/null
admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"
jar=$WORK/jar
maildir=$WORK/mail/example.org
pid=$(daemon_pid)

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }

# 8 connections without a cookie POST a 25 MiB multipart body to /mail/send.
# Each prints the status line it got after sending only its headers, then how
# much of the body it could push before the server closed the connection.
before=$(rss_kb)
out=$(python3 - "$HTTP_PORT" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
boundary = "XyZ"
head = ("POST /mail/send HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: multipart/form-data; boundary=%s\r\n"
        "Content-Length: %d\r\n\r\n" % (boundary, 25 << 20)).encode()
conns = []
for _ in range(8):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(head)
    conns.append(s)
for s in conns:
    try:
        line = s.recv(4096).split(b"\r\n", 1)[0].decode(errors="replace")
    except socket.timeout:
        line = "no answer"
    print("status", line)
chunk = b"x" * 65536
for s in conns:
    sent = 0
    s.settimeout(2)
    try:
        while sent < (4 << 20):
            s.sendall(chunk)
            sent += len(chunk)
    except OSError:
        pass
    print("sent", sent)
for s in conns:
    s.close()
PY
)
after=$(rss_kb)
expect_eq "8 POSTs without a session are answered at their headers" 8 \
	"$(printf '%s\n' "$out" | grep -c '^status HTTP/1.1 303')"
expect_eq "and none of them could push its 4 MiB of body" 0 \
	"$(printf '%s\n' "$out" | grep -c '^sent 4194304')"
grow=$(( (after - before) / 1024 ))
check "the daemon's memory did not grow with their bodies (${grow} MiB)" test "$grow" -lt 16

logon "$jar" "$base" ann@example.org Ann-pass-1 >/dev/null
sid=$(cookie_of "$jar" webmsg_session)
csrf=$(csrf_of <(curl -s -b "$jar" "$base/mail/compose"))

# raw_post FIRST_FIELD VALUE: an authenticated 20 MiB multipart POST whose
# first field is FIRST_FIELD=VALUE; prints how far the body got before the
# server closed the connection ("open" when it still reads at 4 MiB).
raw_post() {
	python3 - "$HTTP_PORT" "$sid" "$1" "$2" <<'PY'
import socket, sys
port, sid, name, value = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
b = "XyZ"
first = ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
         "--%s\r\nContent-Disposition: form-data; name=\"attachment\"; filename=\"a.bin\"\r\n"
         "Content-Type: application/octet-stream\r\n\r\n" % (b, name, value, b)).encode()
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(("POST /mail/send HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: webmsg_session=%s\r\n"
           "Content-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\n\r\n"
           % (sid, b, 20 << 20)).encode() + first)
sent, chunk = len(first), b"y" * 16384
try:
    while sent < (4 << 20):
        s.sendall(chunk)
        sent += len(chunk)
    print("open")
except OSError:
    print("closed after", sent)
PY
}
expect_match "a wrong CSRF token first: the connection is closed in the first part" \
	'^closed after' "$(raw_post csrf wrong-token-0000000000000000000000000000000)"
expect_match "no CSRF token first: the same" '^closed after' "$(raw_post to someone@example.org)"
expect_eq "the right token first: the body is read on" open "$(raw_post csrf "$csrf")"
expect_match "the refusal is logged" 'no valid CSRF token first' "$(cat "$WORK/webmsgd.log")"

# A logged-on user's upload of a few MB arrives as an attachment in Sent.
head -c 3145728 /dev/urandom >"$WORK/big.bin"
out=$(curl -s -b "$jar" -F "csrf=$csrf" -F "to=ann@example.org" -F "subject=Big upload" \
	-F "body=See the file" -F "attachment=@$WORK/big.bin;type=application/octet-stream" \
	-o "$WORK/sent.html" -w '%{http_code}' "$base/mail/send")
expect_eq "an authenticated upload of 3 MiB is sent" 303 "$out"
sent_copy=$(grep -l 'Big upload' "$maildir"/ann/.Sent/cur/* 2>/dev/null | head -1)
got=$(python3 - "$sent_copy" "$WORK/big.bin" <<'PY'
import email, hashlib, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"))
want = hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
for part in msg.walk():
    if part.get_filename() == "big.bin":
        print("same" if hashlib.sha256(part.get_payload(decode=True)).hexdigest() == want else "differs")
        break
else:
    print("missing")
PY
)
expect_eq "the Sent copy carries the file byte for byte" same "$got"
check "no upload file is left in the spool" bash -c "[ -z \"\$(ls -A $WORK/mail/.spool)\" ]"

# Headers sent one byte at a time are cut at web.header_timeout (2 s), though
# the connection is never idle long enough for the idle timeout (15 s).
secs=$(python3 - "$HTTP_PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
start = time.monotonic()
s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
try:
    while time.monotonic() - start < 20:
        s.sendall(b"a")
        time.sleep(0.5)
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                break
        except BlockingIOError:
            pass
        finally:
            s.setblocking(True)
except OSError:
    pass
print(int(time.monotonic() - start))
PY
)
check "slow headers are cut after the header deadline (${secs} s)" test "$secs" -lt 10
expect_match "and it is logged" 'closed: request headers not complete in time' "$(cat "$WORK/webmsgd.log")"

# A body trickled under web.body_min_rate (2000 bytes/s over 5 s) is cut.
secs=$(python3 - "$HTTP_PORT" "$sid" "$csrf" <<'PY'
import socket, sys, time
port, sid, csrf = int(sys.argv[1]), sys.argv[2], sys.argv[3]
b = "XyZ"
first = ("--%s\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n--%s\r\n"
         "Content-Disposition: form-data; name=\"body\"\r\n\r\n" % (b, csrf, b)).encode()
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(("POST /mail/send HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: webmsg_session=%s\r\n"
           "Content-Type: multipart/form-data; boundary=%s\r\nContent-Length: 100000\r\n\r\n"
           % (sid, b)).encode() + first)
start = time.monotonic()
try:
    while time.monotonic() - start < 30:
        s.sendall(b"z" * 20)
        time.sleep(0.5)
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                break
        except BlockingIOError:
            pass
        finally:
            s.setblocking(True)
except OSError:
    pass
print(int(time.monotonic() - start))
PY
)
check "a body under the minimum rate is cut (${secs} s)" test "$secs" -lt 20
expect_match "and it is logged" 'closed: request body slower than the minimum rate' \
	"$(cat "$WORK/webmsgd.log")"
check "the daemon still serves" test "$(http_code "$base/")" = 200

# web.body_memory_mb: a message form takes 1 MiB of it while in flight; with 2,
# a second one while the first is still arriving is answered 503 at once, and
# once the first ends the next goes through.
admin config set web.body_memory_mb 2 >/dev/null
out=$(python3 - "$HTTP_PORT" "$sid" "$csrf" <<'PY'
import socket, sys, time
port, sid, csrf = int(sys.argv[1]), sys.argv[2], sys.argv[3]
b = "XyZ"
def form(fields):
    return "".join("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (b, k, v)
                   for k, v in fields).encode()
def start(length):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(("POST /mail/send HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: webmsg_session=%s\r\n"
               "Content-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\n\r\n"
               % (sid, b, length)).encode())
    return s
def post():
    body = form([("csrf", csrf), ("to", "ann@example.org"), ("subject", "Budget"),
                 ("body", "x")]) + ("--%s--\r\n" % b).encode()
    s = start(len(body))
    s.sendall(body)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    # A refusal at the headers closes the connection after its page.
    while b" 503 " in data.split(b"\r\n")[0]:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return data.split(b"\r\n")[0].decode(errors="replace"), data
held = start(100000)
held.sendall(form([("csrf", csrf), ("body", "y" * 1000)]))
time.sleep(0.5)
line, data = post()
print("second:", line)
print("page:", "busy" if b"The server is busy" in data else "other")
held.close()
for _ in range(50):
    line, _ = post()
    if "503" not in line:
        break
    time.sleep(0.2)
print("after:", line)
PY
)
expect_match "a form over web.body_memory_mb is answered 503" '^second: HTTP/1.1 503' "$out"
expect_match "with a page that says why" '^page: busy' "$out"
expect_match "once the first ends, the next one is taken" '^after: HTTP/1.1 303' "$out"
expect_match "the refusal is logged" 'web.body_memory_mb is taken' "$(cat "$WORK/webmsgd.log")"
finish
