#!/usr/bin/env bash
# The first page of a 100,000-message INBOX on Dovecot, through webmsgd
# (mail.store imap) and through Roundcube 1.6 (Debian's roundcube on its own
# php-fpm pool behind its own nginx), both on the same Dovecot in the same
# run: cold (from logon to the first page shown, after Dovecot's own index
# files were removed) and warm (the median of REPEATS list requests after
# that). The aim: webmsgd at least 10x faster warm. Then requests per second
# of webmsgd's list page with wrk through an nginx load balancer (round
# robin, no sticky sessions) with one and with two webmsgd front ends on one
# Redis session store.
#   bench/imap.sh [REPEATS] [MESSAGES]   (defaults 20 and 100000; a smaller
#                                         MESSAGES for a quick try)
# Everything it starts (Dovecot, Redis, two webmsgd, php-fpm, nginx) is its
# own, under a temporary folder, on loopback ports, and stopped at exit.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
repeats=${1:-20}
count=${2:-100000}
secs=${WRK_SECONDS:-20}

. bench/lib.sh
bench_build
for tool in dovecot redis-server php-fpm8.2 nginx wrk; do
	command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] ||
		{ echo "$tool is missing (scripts/deps.sh bench installs it)" >&2; exit 1; }
done
[ -f /usr/share/roundcube/SQL/sqlite.initial.sql ] ||
	{ echo "Roundcube is missing (scripts/deps.sh bench installs it)" >&2; exit 1; }

work=$(mktemp -d /tmp/webmsg-bench.XXXXXX)
export WEBMSG_CONFIG=$work/a/webmsg.db
admin=build/bin/webmsg-admin
dovecot_pid='' redis_pid='' fpm_pid='' nginx_pid=''
stop_pid() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null || return 0
	for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
}
cleanup() {
	"$admin" service stop >/dev/null 2>&1 || true
	WEBMSG_CONFIG=$work/b/webmsg.db "$admin" service stop >/dev/null 2>&1 || true
	stop_pid "$nginx_pid"
	stop_pid "$fpm_pid"
	stop_pid "$redis_pid"
	stop_pid "$dovecot_pid"
	rm -rf "$work"
}
trap cleanup EXIT
# Run as root, Dovecot's, php-fpm's and nginx's own users pass through.
chmod 711 "$work"

imap_port=$(port)
rc_port=$(port)
fpm_port=$(port)
lb1_port=$(port)
lb2_port=$(port)
a_port=$(port)
b_port=$(port)
user=bench
password='bench-imap-pass'

# ---------------------------------------------------------------- Dovecot
# scripts/dovecot.sh's private Dovecot; plain IMAP on loopback for both
# clients (no TLS on either side), a passwd-file user, Maildir.
. scripts/dovecot.sh
dc=$work/dovecot
dovecot_configure "$dc" "$imap_port" 0
dovecot_add_user "$dc" "$user" "$password"
read -r mail_uid mail_gid < <(dovecot_mail_owner)
dove_adm() { doveadm -c "$dc/dovecot.conf" "$@"; }
greets() { dovecot_greets "$imap_port"; }
dovecot_start() {
	dovecot -F -c "$dc/dovecot.conf" >>"$dc/dovecot.log" 2>&1 &
	dovecot_pid=$!
	for _ in $(seq 300); do
		greets && return 0
		kill -0 "$dovecot_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "Dovecot did not start:" >&2
	tail -n 20 "$dc/dovecot.log" >&2
	exit 1
}
dovecot_stop() { stop_pid "$dovecot_pid"; dovecot_pid=; }
# Cold: Dovecot stopped (no process keeps the index open) and its index
# files gone; dovecot-uidlist stays, so the UIDs and UIDVALIDITY do not change.
dovecot_cold() {
	dovecot_stop
	rm -f "$dc/home/$user/Maildir"/dovecot.index*
	dovecot_start
}

# The INBOX, filled as a delivery agent would (as bench/search.sh fills its
# folder): a few dozen words from a small vocabulary each, all seen.
python3 - "$dc/home/$user/Maildir" "$count" <<'PY'
import os, random, sys, time
root, count = sys.argv[1], int(sys.argv[2])
for sub in ("cur", "new", "tmp"):
    os.makedirs(os.path.join(root, sub), exist_ok=True)
words = ("meeting budget report travel invoice project lunch summary draft review "
         "schedule office holiday contract delivery weekly numbers update question "
         "answer customer order payment reminder plan").split()
rnd = random.Random(1)
now = int(time.time())
for i in range(count):
    t = now - count + i
    body = " ".join(rnd.choice(words) for _ in range(40))
    msg = (f"From: Sender {i % 97} <sender{i % 97}@example.net>\r\n"
           f"To: bench@example.org\r\nSubject: Message number {i}\r\n"
           f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime(t))}\r\n"
           f"Message-ID: <inbox.{i}@example.net>\r\n\r\n{body}\r\n")
    with open(os.path.join(root, "cur", f"{t}.M{i}P1.bench:2,S"), "w") as f:
        f.write(msg)
PY
[ "$(id -u)" -ne 0 ] || chown -R "$mail_uid:$mail_gid" "$dc/home"
dovecot_start
start=$(date +%s.%N)
dove_adm index -u "$user" INBOX
printf 'INBOX of %d messages; Dovecot indexed it in %.1f s\n' "$count" \
	"$(python3 -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$start" "$(date +%s.%N)")"

# ------------------------------------------------------------------ Redis
redis_sock=$work/redis.sock
redis-server --port 0 --unixsocket "$redis_sock" --unixsocketperm 777 --save '' \
	--appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 100); do
	[ "$(redis-cli -s "$redis_sock" ping 2>/dev/null)" = PONG ] && break
	sleep 0.1
done

# ---------------------------------------------------------------- webmsgd
# Front end A, and B a copy of A's configuration (the same session.secret,
# which seals the IMAP password in the shared store) on its own port.
mkdir -m 711 "$work/a" "$work/b"
"$admin" init >/dev/null
for kv in "web.bind 127.0.0.1" "web.http_port $a_port" "log.level warn" \
	"service.user $(id -un)" "service.group $(id -gn)" \
	"mail.imap_server 127.0.0.1:$imap_port" "mail.imap_tls none" "mail.store imap" \
	"session.store redis" "session.redis unix:$redis_sock"; do
	# shellcheck disable=SC2086
	"$admin" config set $kv >/dev/null
done
cp "$WEBMSG_CONFIG" "$work/b/webmsg.db"
WEBMSG_CONFIG=$work/b/webmsg.db "$admin" config set web.http_port "$b_port" >/dev/null
a="http://127.0.0.1:$a_port"

# webmsgd_logon BASE JAR: a new session in JAR; prints the HTTP status.
webmsgd_logon() {
	local csrf
	csrf=$(curl -s -c "$2" -b "$2" "$1/" | grep -o 'name="csrf" value="[^"]*"' | head -1 |
		sed 's/.*value="//; s/"$//')
	curl -s -c "$2" -b "$2" --data-urlencode "csrf=$csrf" --data-urlencode "user=$user" \
		--data-urlencode "password=$password" -o /dev/null -w '%{http_code}' "$1/logon"
}
# rows FILE: the message rows a webmsgd list page holds.
webmsgd_rows() { grep -c '<tr class="[^"]*"' "$1" | awk '{ print $1 - 0 }'; }

# --------------------------------------------------- Roundcube and nginx
# Roundcube reads only its own configuration folder: RCUBE_CONFIG_PATH and
# ROUNDCUBE_CONFIG_DIR both point there (with the first alone, Roundcube
# would merge Debian's /etc/roundcube/config.inc.php over it), holding
# Debian's defaults and this bench's settings: the Dovecot above, an SQLite
# database here, its logs and temporary files here, and the list in
# webmsgd's order (newest first by date, where its default is the order of
# arrival); otherwise its defaults (50 messages a page, no message cache).
rc=$work/roundcube
mkdir -p "$rc/config" "$rc/logs" "$rc/temp"
ln -s /etc/roundcube/defaults.inc.php /etc/roundcube/mimetypes.php "$rc/config/"
cat >"$rc/config/config.inc.php" <<EOF
<?php
\$config = [];
\$config['db_dsnw'] = 'sqlite:///$rc/roundcube.db?mode=0600';
\$config['imap_host'] = '127.0.0.1:$imap_port';
\$config['smtp_host'] = '127.0.0.1:25';
\$config['des_key'] = '$(openssl rand -hex 12)';
\$config['log_dir'] = '$rc/logs/';
\$config['temp_dir'] = '$rc/temp/';
\$config['plugins'] = [];
\$config['skin'] = 'elastic';
\$config['enable_spellcheck'] = false;
\$config['message_sort_col'] = 'date';
\$config['message_sort_order'] = 'DESC';
EOF
sqlite3 "$rc/roundcube.db" </usr/share/roundcube/SQL/sqlite.initial.sql
fpm_user=
if [ "$(id -u)" -eq 0 ]; then
	fpm_user="user = www-data
group = www-data"
	chown -R www-data:www-data "$rc"
fi
cat >"$rc/php-fpm.conf" <<EOF
[global]
pid = $rc/php-fpm.pid
error_log = $rc/php-fpm.log
daemonize = no
[roundcube]
$fpm_user
listen = 127.0.0.1:$fpm_port
pm = static
pm.max_children = 4
clear_env = yes
env[RCUBE_CONFIG_PATH] = $rc/config
env[ROUNDCUBE_CONFIG_DIR] = $rc/config
catch_workers_output = yes
php_admin_flag[log_errors] = on
EOF
php-fpm8.2 -F -y "$rc/php-fpm.conf" >>"$rc/php-fpm.log" 2>&1 &
fpm_pid=$!

# One nginx: Roundcube's site, and the two load balancers in front of
# webmsgd (A alone; A and B round robin, no stickiness), keep-alive to the
# front ends as a load balancer keeps it.
ng=$work/nginx
mkdir -p "$ng"
chmod 711 "$ng"
cat >"$ng/nginx.conf" <<EOF
worker_processes 2;
pid $ng/nginx.pid;
error_log $ng/error.log error;
events { worker_connections 1024; }
http {
	access_log off;
	upstream one { server 127.0.0.1:$a_port; keepalive 32; }
	upstream two { server 127.0.0.1:$a_port; server 127.0.0.1:$b_port; keepalive 32; }
	server {
		listen 127.0.0.1:$rc_port;
		root /var/lib/roundcube/public_html;
		index index.php;
		location ~ \.php\$ {
			include /etc/nginx/fastcgi_params;
			fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
			fastcgi_pass 127.0.0.1:$fpm_port;
		}
	}
	server {
		listen 127.0.0.1:$lb1_port;
		location / {
			proxy_pass http://one;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Host \$http_host;
		}
	}
	server {
		listen 127.0.0.1:$lb2_port;
		location / {
			proxy_pass http://two;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Host \$http_host;
		}
	}
}
EOF
nginx -p "$ng" -c "$ng/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
r="http://127.0.0.1:$rc_port"
for _ in $(seq 100); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$r/?_task=login")" = 200 ] && break
	sleep 0.1
done
rc_jar=$work/rc.jar
# rc_logon: a new Roundcube session in $rc_jar (the login form's token,
# POST ?_task=login, then the mail page for the request token the list
# request carries); sets rc_token.
rc_logon() {
	local token code
	rm -f "$rc_jar"
	token=$(curl -s -c "$rc_jar" -b "$rc_jar" "$r/?_task=login" |
		grep -o 'name="_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
	code=$(curl -s -c "$rc_jar" -b "$rc_jar" -o /dev/null -w '%{http_code}' \
		--data-urlencode "_token=$token" --data-urlencode _task=login \
		--data-urlencode _action=login --data-urlencode _timezone=UTC --data-urlencode _url= \
		--data-urlencode "_user=$user" --data-urlencode "_pass=$password" "$r/?_task=login")
	[ "$code" = 302 ] || { echo "Roundcube refused the logon ($code); its log:" >&2
		cat "$rc"/logs/* >&2 2>/dev/null; exit 1; }
	rc_token=$(curl -s -c "$rc_jar" -b "$rc_jar" "$r/?_task=mail&_mbox=INBOX" |
		grep -o '"request_token":"[^"]*"' | head -1 | sed 's/.*:"//; s/"$//')
	[ -n "$rc_token" ] || { echo "no request token on Roundcube's mail page" >&2; exit 1; }
}
# rc_list: the request Roundcube's mail page makes for the first page of
# the INBOX; prints its time in seconds, the answer in $work/rc.json.
rc_list() {
	curl -s -c "$rc_jar" -b "$rc_jar" -H "X-Roundcube-Request: $rc_token" \
		-o "$work/rc.json" -w '%{time_total}' \
		"$r/?_task=mail&_action=list&_mbox=INBOX&_page=1&_remote=1"
}
rc_rows() { grep -o 'add_message_row(' "$work/rc.json" | wc -l; }
# The IMAP logons Dovecot has logged so far: their count over the warm
# requests says whether a client keeps its connection between requests.
imap_logons() { grep -c 'imap-login: Info: Login: user=<' "$dc/dovecot.log" || true; }
per() { python3 -c 'import sys; print("%.1f" % (int(sys.argv[1]) / int(sys.argv[2])))' "$1" "$2"; }

median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.4f\n", v[int((NR + 1) / 2)] }'; }
now() { date +%s.%N; }
since() { python3 -c 'import sys; print("%.4f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$1" "$(now)"; }
ratio() { python3 -c 'import sys; print("%.1f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }
die_rows() { echo "$1: the first page holds $2 message rows, not 50" >&2; exit 1; }

# ------------------------------------------------------ cold, then warm
# webmsgd: started after the index removal; cold is its logon and the first
# GET /mail; warm the median of GET /mail on that session.
dovecot_cold
"$admin" service start >/dev/null
w_jar=$work/w.jar
s=$(now)
code=$(webmsgd_logon "$a" "$w_jar")
[ "$code" = 303 ] || { echo "webmsgd logon answered $code; its log:" >&2; cat "$work/a/webmsgd.log" >&2; exit 1; }
curl -s -b "$w_jar" -o "$work/w.html" "$a/mail"
w_cold=$(since "$s")
rows=$(webmsgd_rows "$work/w.html")
[ "$rows" = 50 ] || die_rows webmsgd "$rows"
l=$(imap_logons)
w_warm=$(for _ in $(seq "$repeats"); do
	curl -s -b "$w_jar" -o "$work/w.html" -w '%{time_total}\n' "$a/mail"
done | median)
w_logons=$(per "$(($(imap_logons) - l))" "$repeats")
rows=$(webmsgd_rows "$work/w.html")
[ "$rows" = 50 ] || die_rows webmsgd "$rows"

# Roundcube: the same from a new index removal; cold is its logon, the mail
# page and the list request; warm the median of the list request.
dovecot_cold
s=$(now)
rc_logon
rc_list >/dev/null
rc_cold=$(since "$s")
rows=$(rc_rows)
[ "$rows" = 50 ] || die_rows Roundcube "$rows"
l=$(imap_logons)
rc_warm=$(for _ in $(seq "$repeats"); do rc_list; echo; done | median)
rc_logons=$(per "$(($(imap_logons) - l))" "$repeats")
rows=$(rc_rows)
[ "$rows" = 50 ] || die_rows Roundcube "$rows"
# Both show the same page: the newest message first.
newest="Message number $((count - 1))"
grep -q "$newest" "$work/w.html" || { echo "webmsgd's first page lacks \"$newest\"" >&2; exit 1; }
grep -q "$newest" "$work/rc.json" || { echo "Roundcube's first page lacks \"$newest\"" >&2; exit 1; }

printf '\n%-44s %12s %12s %8s\n' "first page of the INBOX ($count messages)" "webmsgd (s)" "Roundcube (s)" "ratio"
printf '%-44s %12s %12s %8s\n' "cold: logon to first page, index removed" "$w_cold" "$rc_cold" "$(ratio "$rc_cold" "$w_cold")"
printf '%-44s %12s %12s %8s\n' "warm: the list request, median of $repeats" "$w_warm" "$rc_warm" "$(ratio "$rc_warm" "$w_warm")"
printf '%-44s %12s %12s\n' "IMAP logons per warm list request" "$w_logons" "$rc_logons"
met=$(python3 -c 'import sys; print("met" if float(sys.argv[1]) >= 10 * float(sys.argv[2]) else "not met")' \
	"$rc_warm" "$w_warm")
echo "aim: webmsgd at least 10x faster warm: $met ($(ratio "$rc_warm" "$w_warm")x)"

# ------------------------------------------------ through the balancer
# wrk keeps one connection for each of 4 sessions of the one user, logged
# on through the balancer (a user waits for a page before asking for the
# next); each request is GET /mail, the whole first page.
WEBMSG_CONFIG=$work/b/webmsg.db "$admin" service start >/dev/null
cookies=()
for i in 1 2 3 4; do
	jar=$work/lb$i.jar
	code=$(webmsgd_logon "http://127.0.0.1:$lb2_port" "$jar")
	[ "$code" = 303 ] || { echo "logon through the balancer answered $code" >&2; exit 1; }
	cookies+=("webmsg_session=$(awk '$6 == "webmsg_session" { v = $7 } END { print v }' "$jar")")
done
for p in "$lb1_port" "$lb2_port" "$lb2_port"; do
	curl -s -H "Cookie: ${cookies[0]}" -o "$work/lb.html" "http://127.0.0.1:$p/mail"
	rows=$(webmsgd_rows "$work/lb.html")
	[ "$rows" = 50 ] || die_rows "webmsgd through the balancer" "$rows"
done
{
	printf 'local cookies = {'
	printf '"%s",' "${cookies[@]}"
	printf '}\nlocal i = 0\n'
	printf 'request = function()\n\ti = i %% #cookies + 1\n'
	printf '\treturn wrk.format("GET", "/mail", { Cookie = cookies[i] })\nend\n'
} >"$work/sessions.lua"
lb_rps() {
	local out
	out=$(wrk -t2 -c4 -d"${secs}s" --timeout 30s -s "$work/sessions.lua" \
		"http://127.0.0.1:$1/mail")
	if grep -q 'Non-2xx\|Socket errors' <<<"$out"; then
		echo "errors through the balancer:" >&2
		echo "$out" >&2
		exit 1
	fi
	awk '/^ *Latency/ { lat = $2 } /^Requests\/sec/ { rps = $2 } END { print rps, lat }' <<<"$out"
}
read -r one one_lat < <(lb_rps "$lb1_port")
read -r two two_lat < <(lb_rps "$lb2_port")
printf '\n%-44s %12s %12s\n' "list page through nginx, 4 sessions, ${secs} s" "req/s" "latency"
printf '%-44s %12s %12s\n' "1 webmsgd front end" "$one" "$one_lat"
printf '%-44s %12s %12s\n' "2 webmsgd front ends, one Redis" "$two" "$two_lat"
echo "this machine has $(nproc) cores, shared by wrk, nginx, Dovecot, Redis and the front ends:"
echo "the second front end shows the overhead of spreading sessions, not scaling"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
