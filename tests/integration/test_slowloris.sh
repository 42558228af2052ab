#!/usr/bin/env bash
# Slow clients do not lock others out: one address cannot hold more than
# web.max_connections_per_address connections, the last quarter of the slots
# stays for addresses not seen yet, and requests that wait for something slow
# (a relay that does not answer) do not hold up style sheets and logons.
. "$(dirname "$0")/lib.sh"
new_instance
add_user ann@example.org 'Ann-pass-1'
admin config set web.max_connections 40 >/dev/null
admin config set web.max_connections_per_address 8 >/dev/null
admin config set web.header_timeout 120 >/dev/null
admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"

# Slow clients: 20 connections from 127.0.0.1 and 8 from each of 127.0.0.2-5
# (the whole of 127/8 is loopback) send a header byte now and then and never
# finish. The holder prints how many connections the server kept open, then
# holds them until its standard input closes.
mkfifo "$WORK/hold"
cat >"$WORK/holder.py" <<'PY'
import select, socket, sys, time
port = int(sys.argv[1])
conns = []
for src, n in [("127.0.0.1", 20)] + [("127.0.0.%d" % i, 8) for i in range(2, 6)]:
    for _ in range(n):
        s = socket.socket()
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        conns.append((src, s))
def alive():
    keep = []
    for src, s in conns:
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                s.close()
                continue
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            continue
        keep.append((src, s))
    return keep
# Refused connections are closed by the server at once; wait until the count settles.
last, stable = -1, 0
for _ in range(100):
    time.sleep(0.2)
    conns = alive()
    stable = stable + 1 if len(conns) == last else 0
    last = len(conns)
    if stable >= 5:
        break
print("held", len(conns))
print("from-first", sum(1 for src, _ in conns if src == "127.0.0.1"))
sys.stdout.flush()
while True:
    r, _, _ = select.select([sys.stdin], [], [], 1.0)
    if r and not sys.stdin.read(1):
        break
    for _, s in conns:
        try:
            s.send(b"X")
        except OSError:
            pass
PY
python3 "$WORK/holder.py" "$HTTP_PORT" >"$WORK/held" <"$WORK/hold" &
holder=$!
exec 9>"$WORK/hold"
wait_for 30 grep -q from-first "$WORK/held"
held=$(awk '$1 == "held" { print $2 }' "$WORK/held")
first=$(awk '$1 == "from-first" { print $2 }' "$WORK/held")
expect_eq "one address holds no more than its 8 connections" 8 "$first"
check "the slow connections leave room in the 40 slots ($held)" \
	test "${held:-99}" -le 32
expect_eq "a new connection from the address at its limit is refused" 000 \
	"$(http_code --interface 127.0.0.1 --max-time 5 "$base/static/style.css")"
t=$(curl -s -o /dev/null --interface 127.0.0.9 --max-time 10 -w '%{http_code} %{time_total}' \
	"$base/static/style.css")
expect_eq "a fresh address is served" 200 "${t%% *}"
check "quickly (${t#* } s)" python3 -c "import sys; sys.exit(float(sys.argv[1]) >= 3)" "${t#* }"
expect_eq "and can log on" 200 "$(http_code --interface 127.0.0.10 --max-time 10 "$base/")"
exec 9>&-
wait "$holder"

# A relay that accepts connections and never answers: sending to an outside
# address then waits for it. Four such sends must not hold up anyone else.
RELAY_PORT=$(free_port)
python3 - "$RELAY_PORT" "$WORK/relay.count" <<'PY' &
import socket, sys, time
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1])))
srv.listen(16)
srv.settimeout(1)
held, start = [], time.monotonic()
while time.monotonic() - start < 120:
    try:
        c, _ = srv.accept()
    except socket.timeout:
        continue
    held.append(c)
    open(sys.argv[2], "w").write("%d\n" % len(held))
PY
relay=$!
wait_for 5 port_open "$RELAY_PORT"
admin config set smtp.relay "smtp://127.0.0.1:$RELAY_PORT" >/dev/null
admin config set smtp.tls none >/dev/null
jar=$WORK/jar
logon "$jar" "$base" ann@example.org Ann-pass-1 >/dev/null
csrf=$(csrf_of <(curl -s -b "$jar" "$base/mail/compose"))
before=$(cat "$WORK/relay.count" 2>/dev/null || echo 0)
for i in 1 2 3 4; do
	curl -s -o /dev/null --max-time 60 -b "$jar" -F "csrf=$csrf" -F "to=far$i@elsewhere.example" \
		-F "subject=Slow $i" -F "body=Waits for the relay" "$base/mail/send" &
done
waiting() { echo $(($(cat "$WORK/relay.count" 2>/dev/null || echo 0) - before)); }
all_waiting() { [ "$(waiting)" -ge 4 ]; }
# The outbox's two threads take the first two; the other two connect when
# smtp.timeout (30 s) ends those tries: more than 30 s, measured.
wait_for 60 all_waiting
expect_eq "four sends wait for the relay" 4 "$(waiting)"
t=$(curl -s -o /dev/null --max-time 20 -w '%{http_code} %{time_total}' "$base/static/style.css")
expect_eq "meanwhile the style sheet is served" 200 "${t%% *}"
check "at once (${t#* } s)" python3 -c "import sys; sys.exit(float(sys.argv[1]) >= 2)" "${t#* }"
t=$(curl -s -o /dev/null --max-time 20 -w '%{http_code} %{time_total}' "$base/")
expect_eq "and the logon page" 200 "${t%% *}"
check "at once (${t#* } s)" python3 -c "import sys; sys.exit(float(sys.argv[1]) >= 2)" "${t#* }"
# The relay goes away: the sends end (refused, kept as drafts) before the daemon stops.
kill "$relay"
wait
finish
