#!/usr/bin/env bash
# Reloads fail no request: under wrk load on HTTP and HTTPS, keep-alive and one
# request per connection at once, a few SIGHUPs leave no socket error and no
# error status at the clients, and every reload really swapped generations
# and let the old one drain.
. "$(dirname "$0")/lib.sh"
command -v wrk >/dev/null || { fail "wrk is not installed (scripts/deps.sh test)"; finish; }
new_ssl_instance
# Four loads from 127.0.0.1 at once, and the old generation's connections
# beside the new one's while it drains.
admin config set web.max_connections_per_address 256 >/dev/null
# The idle client below must not meet the guard's deadline for its next
# request before the reload (a busy machine is slow between the steps).
admin config set web.header_timeout 300 >/dev/null
check "service start" admin service start
pid=$(daemon_pid)
log="$WORK/webmsgd.log"
reloads=4

# count PATTERN: lines of the log that match.
count() { grep -c -- "$1" "$log" 2>/dev/null || true; }

# wait_count PATTERN N: until the log has N lines matching (bounded).
wait_count() { wait_for 60 counted "$@"; }
counted() { [ "$(count "$1")" -ge "$2" ]; }

# Idle keep-alive clients, HTTP and HTTPS: one request answered, then nothing
# while the reload happens, then one more on the same connection. The old
# generation answers it, says "Connection: close" and ends the connection; it
# must not have cut it while idle. One process sends the signal between the
# two, so that a busy machine never leaves them idle up to the idle timeout.
cat >"$WORK/idle.py" <<'PY'
import os, select, signal, socket, ssl, sys, time
pid, log, served = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
ports = {"http": int(sys.argv[4]), "https": int(sys.argv[5])}
request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

def connect(scheme):
    s = socket.create_connection(("127.0.0.1", ports[scheme]), timeout=30)
    if scheme == "https":
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s)
    return s

def answer(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for h in lines[1:]:
        k, _, v = h.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v)
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            return None
        body += chunk
    return lines

def ask(s):
    try:
        s.sendall(request)
        return answer(s)
    except OSError:
        return None

conns = {scheme: connect(scheme) for scheme in ports}
for scheme, s in conns.items():
    lines = ask(s)
    print(scheme, "first", lines[0] if lines else "cut", flush=True)
os.kill(pid, signal.SIGHUP)
for _ in range(600):
    with open(log, errors="replace") as f:
        if f.read().count("serving configuration version") > served:
            break
    time.sleep(0.1)
else:
    print("no reload", flush=True)
# A connection the server cuts turns readable at once: give that the chance to
# happen before sending (this wait proves nothing by itself).
select.select(list(conns.values()), [], [], 1.0)
for scheme, s in conns.items():
    lines = ask(s)
    if not lines:
        print(scheme, "second cut", flush=True)
        continue
    close = any(h.lower().replace(" ", "") == "connection:close" for h in lines[1:])
    print(scheme, "second", lines[0], "close" if close else "keep-alive", flush=True)
    s.settimeout(20)
    try:
        end = "closed" if s.recv(1) == b"" else "open"
    except socket.timeout:
        end = "open"
    except OSError:
        end = "closed"
    print(scheme, "then", end, flush=True)
PY

served=$(count 'serving configuration version')
drained=$(count 'drained')
out=$(timeout 120 python3 "$WORK/idle.py" "$pid" "$log" "$served" "$HTTP_PORT" "$HTTPS_PORT" 2>&1)
expect_no_match "the reload was applied" '^no reload' "$out"
for scheme in http https; do
	expect_match "$scheme: an idle keep-alive client is answered" "^$scheme first HTTP/1.1 200" "$out"
	expect_match "$scheme: its next request after the reload is answered, with Connection: close" \
		"^$scheme second HTTP/1.1 200 [A-Za-z ]*close\$" "$out"
	expect_match "$scheme: then the old generation ends the connection" "^$scheme then closed\$" "$out"
done
check "the old generation drained once its connections were gone" \
	wait_count 'drained' $((drained + 1))

# wrk runs until interrupted: each load sees every reload, whatever the
# machine's speed. A long --timeout: a busy machine is slow, not broken; a
# cut connection is a read error at once.
loads=(http-keepalive http-close https-keepalive https-close)
wrk_pids=()
for l in "${loads[@]}"; do
	url="http://127.0.0.1:$HTTP_PORT/"
	[ "${l%%-*}" = https ] && url="https://127.0.0.1:$HTTPS_PORT/"
	opts=()
	[ "${l#*-}" = close ] && opts=(-H "Connection: close")
	wrk -t1 -c4 -d120s --timeout 30s "${opts[@]}" "$url" >"$WORK/$l.out" 2>&1 &
	wrk_pids+=($!)
done
# Every load is under way before the first reload.
under_way() {
	ss -Htn state established "( dport = :$1 )" 2>/dev/null | grep -q .
}
both_under_way() { under_way "$HTTP_PORT" && under_way "$HTTPS_PORT"; }
wait_for 30 both_under_way

served=$(count 'serving configuration version')
drained=$(count 'drained')
ok=1
for i in $(seq "$reloads"); do
	kill -HUP "$pid"
	wait_count 'serving configuration version' $((served + i)) || { ok=0; break; }
	wait_count 'drained' $((drained + i)) || { ok=0; break; }
done
expect_eq "$reloads reloads applied, each old generation drained while under load" 1 "$ok"
expect_eq "same pid after the reloads" "$pid" "$(daemon_pid)"
for p in "${wrk_pids[@]}"; do kill -INT "$p" 2>/dev/null; done
for p in "${wrk_pids[@]}"; do wait "$p"; done

for l in "${loads[@]}"; do
	out=$(cat "$WORK/$l.out")
	requests=$(awk '/requests in/ { print $1 }' <<<"$out")
	expect_match "$l: requests were served during the reloads" '^[1-9][0-9]*$' "$requests"
	errors=$(grep -E 'Socket errors|Non-2xx' <<<"$out")
	expect_eq "$l: no socket error and no error status over $reloads reloads" "" "$errors"
done
expect_no_match "no request was cut by a reload" 'cutting' "$(cat "$log")"
finish
