#!/usr/bin/env bash
# A warm search in a folder of 100,000 messages through webmsgd (logged on
# over HTTP, the whole results page), beside Dovecot's own `doveadm search`
# on the same Maildir in the same run, with Dovecot's default configuration
# (no full-text plugin) beyond the few lines it needs to find the mailbox.
# Also shown: the first listing of the folder (headers only, as before
# search existed) and how long the searches took until every body was
# indexed. The aim: a warm search under 100 ms for each kind of query: a
# rare word, a sender, a common word (in most messages: the first page by
# date and a count that stops at "more than 1000"), the start of one.
#   bench/search.sh [REPEATS]   (doveadm, at some 30 s a search, runs at
#                                most 3 times)
# Installs Debian's dovecot-core when doveadm is missing (needs root).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
repeats=${1:-20}
scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
if ! command -v doveadm >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q dovecot-core >/dev/null
fi

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

# The Maildir++ folder .K100, filled as a delivery agent would: bodies of a
# few dozen words from a small vocabulary, and one message in 1,000 with
# the word "zanzibar" (100 hits).
box=$work/mail/example.org/bench
python3 - "$box" <<'PY'
import os, random, sys, time
root = sys.argv[1]
for sub in ("cur", "new", "tmp"):
    os.makedirs(os.path.join(root, sub), exist_ok=True)
words = ("meeting budget report travel invoice project lunch summary draft review "
         "schedule office holiday contract delivery weekly numbers update question "
         "answer customer order payment reminder plan").split()
rnd = random.Random(1)
now = int(time.time())
count = 100000
d = os.path.join(root, ".K100")
for sub in ("cur", "new", "tmp"):
    os.makedirs(os.path.join(d, sub), exist_ok=True)
open(os.path.join(d, "maildirfolder"), "w").close()
for i in range(count):
    t = now - count + i
    body = " ".join(rnd.choice(words) for _ in range(40))
    if i % 1000 == 7:
        body += " zanzibar"
    msg = (f"From: Sender {i % 97} <sender{i % 97}@example.net>\r\n"
           f"To: bench@example.org\r\nSubject: Message number {i}\r\n"
           f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime(t))}\r\n"
           f"Message-ID: <K100.{i}@example.net>\r\n\r\n{body}\r\n")
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

median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.4f\n", v[int((NR + 1) / 2)] }'; }
get() { curl -s -b "$jar" -o "$work/page.html" -w '%{time_total}' "$base$1"; }

first=$(get "/mail?f=K100")
printf 'first listing of K100 (index of headers): %s s\n' "$first"

# Each search indexes bodies for a bounded time; search until none are left.
start=$(date +%s.%N)
searches=0
while :; do
	get "/mail?f=K100&q=zanzibar" >/dev/null
	searches=$((searches + 1))
	grep -q 'still being indexed' "$work/page.html" || break
	if [ "$searches" -ge 5000 ]; then
		echo "bodies still not indexed after $searches searches" >&2
		exit 1
	fi
done
end=$(date +%s.%N)
python3 -c 'import sys; print("bodies indexed by %d searches in %.1f s" % (int(sys.argv[1]), float(sys.argv[3]) - float(sys.argv[2])))' \
	"$searches" "$start" "$end"
grep -o '[0-9]* found' "$work/page.html" | head -1 | sed 's/^/webmsgd "zanzibar": /'

# Dovecot on the same Maildir: its own base and state folders under the
# bench's folder, otherwise its defaults. doveadm without -u reads the mail
# of $USER with mail_location, no auth service needed. Dovecot never reads
# mail as root: run as root, the mail is handed to "nobody" for it.
dc=$work/dovecot
mkdir -p "$dc/run" "$dc/state" "$dc/home"
mail_uid=$(id -un) mail_gid=$(id -gn)
if [ "$(id -u)" = 0 ]; then
	mail_uid=nobody mail_gid=$(id -gn nobody)
	chown -R "$mail_uid:$mail_gid" "$box" "$dc/home"
	chmod o+x "$work" "$work/mail" "$work/mail/example.org" "$dc"
fi
cat >"$dc/dovecot.conf" <<EOF
base_dir = $dc/run
state_dir = $dc/state
log_path = $dc/log
ssl = no
protocols =
mail_uid = $mail_uid
mail_gid = $mail_gid
mail_location = maildir:$box
EOF
dove() { USER=bench HOME=$dc/home doveadm -c "$dc/dovecot.conf" search mailbox K100 "$@"; }
dsecs() {
	local s e
	s=$(date +%s.%N)
	if ! dove "$@" >"$work/dove.out"; then
		echo "doveadm search failed (its log: $dc/log)" >&2
		exit 1
	fi
	e=$(date +%s.%N)
	python3 -c 'import sys; print("%.4f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$s" "$e"
}
dfirst=$(dsecs body zanzibar)
printf 'doveadm search "zanzibar": %s hits; first run (its own index) %s s\n' \
	"$(wc -l <"$work/dove.out")" "$dfirst"

printf '\n%-36s %16s %16s\n' "warm search in K100 (100,000)" "webmsgd (s)" "doveadm (s)"
for q in zanzibar "sender 42" meeting invoic; do
	case $q in
	zanzibar) dq=(body zanzibar) kind="rare word" ;;
	"sender 42") dq=(from "sender42") kind="sender" ;;
	meeting) dq=(body meeting) kind="common word" ;;
	invoic) dq=(body invoic) kind="start of a common word" ;;
	esac
	enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$q")
	w=$(for _ in $(seq "$repeats"); do get "/mail?f=K100&q=$enc"; echo; done | median)
	# What the page said it found, as the user reads it.
	shown=$(grep -o '<span class="count">[^<]*found' "$work/page.html" | head -1 |
		sed 's/.*count">//; s/ found//')
	d=$(for _ in $(seq "$((repeats < 3 ? repeats : 3))"); do dsecs "${dq[@]}"; done | median)
	printf '%-36s %16s %16s   %s; webmsgd shows "%s found", doveadm %s hits\n' \
		"\"$q\" (${dq[*]})" "$w" "$d" "$kind" "$shown" "$(wc -l <"$work/dove.out")"
done
echo "aim: webmsgd under 0.100 s warm"
