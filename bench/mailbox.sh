#!/usr/bin/env bash
# Time to serve the first page of a folder of 1,000, 10,000 and 100,000
# messages, logged on over HTTP: cold (the folder never indexed: the page
# comes from the file names while a thread indexes the folder; the aim is
# under 1 s), how long until the index holds every message, and warm (the
# median once indexed); and the ratio warm 100k / 1k (the aim: under 2).
#   bench/mailbox.sh [REPEATS]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
repeats=${1:-20}
scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" >/dev/null

work=$(mktemp -d /tmp/webmsg-bench.XXXXXX)
export WEBMSG_CONFIG=$work/webmsg.db
admin=build/bin/webmsg-admin
cleanup() {
	"$admin" service stop >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$admin" init >/dev/null
"$admin" config set web.bind 127.0.0.1 >/dev/null
# Served as whoever runs the benchmark: no webmsg user needed.
"$admin" config set service.user "$(id -un)" >/dev/null
"$admin" config set service.group "$(id -gn)" >/dev/null
"$admin" config set web.http_port "$port" >/dev/null
"$admin" config set log.level warn >/dev/null
"$admin" domain add example.org >/dev/null
echo 'bench-password' | "$admin" user add bench@example.org >/dev/null

# Maildir++ folders .K1, .K10 and .K100, filled as a delivery agent would.
python3 - "$work/mail/example.org/bench" <<'PY'
import os, sys, time
root = sys.argv[1]
for sub in ("cur", "new", "tmp"):
    os.makedirs(os.path.join(root, sub), exist_ok=True)
now = int(time.time())
for name, count in (("K1", 1000), ("K10", 10000), ("K100", 100000)):
    d = os.path.join(root, "." + name)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    open(os.path.join(d, "maildirfolder"), "w").close()
    for i in range(count):
        t = now - count + i
        msg = (f"From: Sender {i % 97} <sender{i % 97}@example.net>\r\n"
               f"To: bench@example.org\r\nSubject: Message number {i}\r\n"
               f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime(t))}\r\n"
               f"Message-ID: <{name}.{i}@example.net>\r\n\r\nBody of message {i}.\r\n")
        with open(os.path.join(d, "cur", f"{t}.M{i}P1.bench:2,S"), "w") as f:
            f.write(msg)
PY
"$admin" service start >/dev/null

base="http://127.0.0.1:$port"
jar=$work/jar
curl -s -c "$jar" -b "$jar" "$base/" -o "$work/form.html"
csrf=$(grep -o 'name="csrf" value="[^"]*"' "$work/form.html" | sed 's/.*value="//; s/"$//')
curl -s -c "$jar" -b "$jar" --data-urlencode "csrf=$csrf" --data-urlencode "user=bench@example.org" \
	--data-urlencode "password=bench-password" -o /dev/null "$base/logon"

seconds() { curl -s -o /dev/null -b "$jar" -w '%{time_total}' "$base/mail?f=$1"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# Polls until the page no longer says the folder is being indexed (10 min at most).
indexed_after() {
	local start=$EPOCHREALTIME
	for _ in $(seq 6000); do
		local page
		page=$(curl -s -b "$jar" "$base/mail?f=$1")
		[[ $page == *"being indexed for the first time"* ]] || break
		sleep 0.1
	done
	python3 -c 'import sys; print("%.2f" % (float(sys.argv[2]) - float(sys.argv[1])))' \
		"$start" "$EPOCHREALTIME"
}
printf '%-8s %14s %16s %16s\n' "folder" "cold first (s)" "indexed after (s)" "warm median (s)"
declare -A warm
for f in K1 K10 K100; do
	first=$(seconds "$f")
	after=$(indexed_after "$f")
	warm[$f]=$(for _ in $(seq "$repeats"); do seconds "$f"; echo; done | median)
	printf '%-8s %14s %16s %16s\n' "$f" "$first" "$after" "${warm[$f]}"
done
python3 -c 'import sys; print("ratio warm 100k / 1k: %.2f (aim: under 2)" % (float(sys.argv[1]) / float(sys.argv[2])))' \
	"${warm[K100]}" "${warm[K1]}"
# Conversations in the 100,000-message folder: the first such list threads
# every message (once; later ones thread only what arrived since), then warm.
conv_first=$(seconds "K100&c=1")
conv_warm=$(for _ in $(seq "$repeats"); do seconds "K100&c=1"; echo; done | median)
printf 'conversations K100: first %s s (threads the folder), warm median %s s\n' \
	"$conv_first" "$conv_warm"
