#!/usr/bin/env bash
# Behind a load balancer (web.trusted_proxies): logons are logged and
# throttled by the client's address from X-Forwarded-For, not by the
# balancer's; a client cannot choose its address by sending the header
# itself, nor from outside the proxies; and the balancer may hold more
# connections than one address may.
. "$(dirname "$0")/lib.sh"
new_instance
admin config set login.throttle_pair_failures 1 >/dev/null
admin config set login.throttle_user_failures 50 >/dev/null
admin config set web.max_connections_per_address 2 >/dev/null
admin config set web.header_timeout 60 >/dev/null
add_user ann@example.org 'Ann-pass-1'
admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"
log="$WORK/webmsgd.log"

# logon_via FORWARDED USER PASSWORD [curl options]: through a proxy that says
# the request came from FORWARDED.
logon_via() {
	local fwd=$1
	shift
	logon "$WORK/j-$RANDOM" "$base" "$@" -H "X-Forwarded-For: $fwd"
}

# Without trusted proxies the header means nothing.
logon_via 192.0.2.50 ann@example.org wrong >/dev/null
expect_match "with no proxy set, X-Forwarded-For is not read" \
	'logon failed for user "ann@example.org" from 127\.0\.0\.1$' "$(cat "$log")"

expect_match "a list that is not addresses is refused with the reason" "not an IP address" \
	"$(admin config set web.trusted_proxies '127.0.0.1, lb.example.org' 2>&1)"
admin config set web.trusted_proxies '127.0.0.1, 10.0.0.0/8' >/dev/null ||
	fail "set web.trusted_proxies"
out=$(admin service reload 2>&1) || fail "reload: $out"

# Five failures from 192.0.2.50, which forges an address in front (as a
# client may: only what the proxy appended counts). With one failure allowed
# the pair waits 1 s after the first and twice as long after each next:
# after the fifth, 16 s. Attempts while it waits are refused unchecked.
failures() { grep -c 'logon failed for user "ann@example.org" from 192\.0\.2\.50$' "$log"; }
for _ in $(seq 600); do
	[ "$(failures)" -ge 5 ] && break
	logon_via '198.51.100.7, 192.0.2.50' ann@example.org wrong >/dev/null
	sleep 0.1
done
expect_eq "each failure is logged with the client's address" 5 "$(failures)"
expect_no_match "never with the address the client wrote" '198\.51\.100\.7' "$(cat "$log")"
out=$(logon_via '198.51.100.7, 192.0.2.50' ann@example.org Ann-pass-1)
expect_eq "that client waits, even with the right password" 429 "${out%% *}"
out=$(logon_via 192.0.2.51 ann@example.org Ann-pass-1)
expect_eq "another client behind the same proxy logs on at once" "303 $base/mail" "$out"
expect_match "and is logged with its address" \
	'logon user "ann@example.org" from 192\.0\.2\.51' "$(cat "$log")"
# Two proxies: the inner one (10.0.0.0/8) is passed over.
logon_via '192.0.2.52, 10.1.2.3' ann@example.org wrong >/dev/null
expect_match "behind two proxies, the client is the one before them" \
	'logon failed for user "ann@example.org" from 192\.0\.2\.52$' "$(cat "$log")"

# Not from a proxy: 127.0.0.2 writes the header, and is taken at its word no more.
logon "$WORK/j-other" "$base" ann@example.org wrong --interface 127.0.0.2 \
	-H 'X-Forwarded-For: 192.0.2.60' >/dev/null
expect_match "a client that is not a proxy is logged by its own address" \
	'logon failed for user "ann@example.org" from 127\.0\.0\.2$' "$(cat "$log")"
expect_no_match "whatever it wrote" '192\.0\.2\.60' "$(cat "$log")"

# Connections: 2 per address, but the proxy brings everyone's. Each source
# opens 4 idle connections; the server closes those over the limit at once.
held=$(python3 - "$HTTP_PORT" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
counts = []
for src in ("127.0.0.1", "127.0.0.3"):
    conns = []
    for _ in range(4):
        s = socket.socket()
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET / HTTP/1.1\r\n")
        conns.append(s)
    # A refused connection is closed by the server: wait until that shows.
    deadline = time.time() + 30
    while True:
        alive = []
        for s in conns:
            s.setblocking(False)
            try:
                if s.recv(1) == b"":
                    continue
            except BlockingIOError:
                pass
            except OSError:
                continue
            alive.append(s)
        if len(alive) <= 2 or time.time() > deadline or (src == "127.0.0.1" and time.time() > deadline - 28):
            break
        time.sleep(0.1)
    counts.append(str(len(alive)))
    for s in conns:
        s.close()
print(" ".join(counts))
PY
)
expect_eq "the proxy holds 4 connections, another address 2" "4 2" "$held"
finish
