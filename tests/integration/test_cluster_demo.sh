#!/usr/bin/env bash
# scripts/cluster-demo.sh itself, with this build's binaries, on free ports in
# a throw-away folder: it starts Dovecot, Redis, the relay, two front ends and
# nginx and prints the address and the credentials; the demo user logs on
# through nginx and reads the sample mail; requests reach both front ends
# (each one's log has logons); a message sent through nginx is in the
# recipient's INBOX in Dovecot; running it again restarts it; and `stop`
# leaves none of its processes running and none of its ports open.
. "$(dirname "$0")/lib.sh"
for cmd in nginx redis-server; do
	command -v "$cmd" >/dev/null || { echo "$cmd is not installed (scripts/deps.sh test)"; exit 1; }
done
DEMO=$(cd "$(dirname "$0")/../../scripts" && pwd)/cluster-demo.sh
# Root's throw-away folder is 0700: Dovecot's and nginx's unprivileged
# processes and the front ends' workers pass through it without listing it.
[ "$(id -u)" -ne 0 ] || chmod 711 "$WORK"
C=$WORK/cluster
export WEBMSG_CLUSTER_DIR=$C WEBMSG_CLUSTER_BIN=$WEBMSG_BIN
LB=$(free_port)
WEBMSG_CLUSTER_A_PORT=$(free_port) WEBMSG_CLUSTER_B_PORT=$(free_port)
WEBMSG_CLUSTER_IMAP_PORT=$(free_port) WEBMSG_CLUSTER_IMAPS_PORT=$(free_port)
WEBMSG_CLUSTER_REDIS_PORT=$(free_port) WEBMSG_CLUSTER_SMTP_PORT=$(free_port)
export WEBMSG_CLUSTER_PORT=$LB WEBMSG_CLUSTER_A_PORT WEBMSG_CLUSTER_B_PORT WEBMSG_CLUSTER_IMAP_PORT \
	WEBMSG_CLUSTER_IMAPS_PORT WEBMSG_CLUSTER_REDIS_PORT WEBMSG_CLUSTER_SMTP_PORT
ports=("$LB" "$WEBMSG_CLUSTER_A_PORT" "$WEBMSG_CLUSTER_B_PORT" "$WEBMSG_CLUSTER_IMAP_PORT"
	"$WEBMSG_CLUSTER_IMAPS_PORT" "$WEBMSG_CLUSTER_REDIS_PORT" "$WEBMSG_CLUSTER_SMTP_PORT")
trap '"$DEMO" stop >/dev/null 2>&1; cleanup' EXIT

out=$("$DEMO" 2>&1)
rc=$?
expect_eq "the demo starts" 0 "$rc"
[ "$rc" = 0 ] || { echo "$out"; finish; }
base="http://127.0.0.1:$LB"
expect_match "it prints the load balancer's address" "through the load balancer \(nginx\): +$base/" "$out"
expect_match "and the front ends'" "front end A: http://127\.0\.0\.1:$WEBMSG_CLUSTER_A_PORT/ +front end B: http://127\.0\.0\.1:$WEBMSG_CLUSTER_B_PORT/" "$out"
expect_match "and how to stop it" "Stop: WEBMSG_CLUSTER_DIR=$C .*cluster-demo\.sh stop" "$out"
password=$(sed -n 's/^Log on as demo@example\.org  password: //p' <<<"$out")
check "it prints the demo user's password" test -n "$password"

out=$(logon "$WORK/jar" "$base" demo@example.org "$password")
expect_eq "the demo user logs on through nginx" "303 $base/mail" "$out"
page=$(curl -s -b "$WORK/jar" "$base/mail")
expect_match "and reads the sample mail in Dovecot" 'Welcome to Web Messaging' "$page"
# Round robin without sticky sessions: every page of the session works,
# whichever front end serves it.
codes=
for _ in 1 2 3 4 5 6; do codes+="$(http_code -b "$WORK/jar" "$base/mail") "; done
expect_eq "six pages in a row through nginx all answer" "200 200 200 200 200 200 " "$codes"

# Each front end's log names the logons it served. A logon is two requests
# (the form, then the post): one more request between logons moves the
# next post to the other front end.
logons() { grep -c 'logon user "demo@example.org" from 127\.0\.0\.1' "$C/$1/webmsgd.log" 2>/dev/null; }
both_logged() { [ "$(logons a)" -gt 0 ] && [ "$(logons b)" -gt 0 ]; }
for i in 1 2 3 4 5 6; do
	both_logged && break
	logon "$WORK/jar$i" "$base" demo@example.org "$password" >/dev/null
	curl -s -o /dev/null "$base/"
done
check "front end A's log has logons through nginx" test "$(logons a)" -gt 0
check "front end B's log has logons through nginx" test "$(logons b)" -gt 0

# Sent through nginx, delivered by the relay into Dovecot.
csrf=$(csrf_of <(curl -s -b "$WORK/jar" "$base/mail/compose"))
out=$(curl -s -b "$WORK/jar" -o /dev/null -w '%{http_code} %{redirect_url}' -F "csrf=$csrf" \
	-F kind=new -F draft= -F "to=bob@example.org" -F "subject=Through the balancer" \
	-F "body=Sent through nginx." -F op=send "$base/mail/send")
expect_eq "a message to bob is sent through nginx" "303 $base/mail?f=INBOX&n=queued" "$out"
in_inbox() {
	doveadm -c "$C/dovecot/dovecot.conf" fetch -u bob@example.org hdr.subject mailbox INBOX \
		2>/dev/null | grep -q 'Through the balancer'
}
check "it is in bob's INBOX in Dovecot" wait_for 60 in_inbox
expect_match "and in the demo user's Sent" 'Through the balancer' \
	"$(doveadm -c "$C/dovecot/dovecot.conf" fetch -u demo@example.org hdr.subject mailbox Sent 2>/dev/null)"

# Again: everything restarts, the users and their mail stay.
out=$("$DEMO" 2>&1)
expect_eq "running it again restarts it" 0 "$?"
check "with the same password" grep -qF "password: $password" <<<"$out"
out=$(logon "$WORK/again" "$base" demo@example.org "$password")
expect_eq "the demo user logs on again" "303 $base/mail" "$out"
expect_match "and the sent message is still in Sent" 'Through the balancer' \
	"$(curl -s -b "$WORK/again" "$base/mail?f=Sent")"

# stop: every process it started (and theirs) ends, every port closes.
pids=
for f in dovecot/run/master.pid redis/redis.pid relay/relay.pid nginx/nginx.pid a/webmsgd.pid \
	b/webmsgd.pid; do
	pid=$(cat "$C/$f" 2>/dev/null)
	check "$f names a running process" kill -0 "${pid:-0}"
	pids+=" ${pid:-}"
done
# With what they started (Dovecot's imap processes, nginx's worker, the
# front ends' workers).
children=$(ps -e -o pid=,ppid= | awk -v p="$pids" 'BEGIN { n = split(p, a, " "); for (i = 1; i <= n; i++) s[a[i]] = 1 } s[$2] { print $1 }')
pids+=" $children"
out=$("$DEMO" stop 2>&1)
expect_eq "cluster-demo.sh stop succeeds" 0 "$?"
none_alive() {
	local pid
	for pid in $pids; do kill -0 "$pid" 2>/dev/null && return 1; done
	return 0
}
check "no process of the demo is left" wait_for 30 none_alive
open=
for p in "${ports[@]}"; do port_open "$p" && open+="$p "; done
expect_eq "no port of the demo is open" "" "$open"
finish
