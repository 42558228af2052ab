#!/usr/bin/env bash
# cluster-demo.sh - the layout of several machines, on one: Dovecot holds the
# mail (IMAP), Redis the sessions, two webmsgd front ends (A and B) serve the
# webmail, and nginx balances between them (round robin, no sticky
# sessions). Each has its own configuration, data, log and pid under
# var/cluster, and listens on loopback only.
#
#   scripts/cluster-demo.sh           start everything (again: stop, then start)
#   scripts/cluster-demo.sh --reset   start afresh: new databases, users, passwords
#   scripts/cluster-demo.sh stop      stop everything it started
#
# The site's mail server (MTA) is stood in for by scripts/smtp_relay.py on
# loopback, which delivers into Dovecot with dovecot-lda. In production,
# smtp.relay names Postfix (or another MTA) that delivers to Dovecot over LMTP.
#
# A is the model: B gets A's settings at every start the documented way
# (`webmsg-admin config export --with-secrets`, then `config import`), then
# its own port. See README.md, "Several front ends: the cluster demo".
#
# Environment:
#   WEBMSG_CLUSTER_DIR         where it all lives (default: var/cluster)
#   WEBMSG_CLUSTER_BIN         a folder with webmsgd and webmsg-admin already
#                              built: nothing is installed or built
#   WEBMSG_CLUSTER_PORT        nginx, the address to use (8480)
#   WEBMSG_CLUSTER_A_PORT      front end A (8481)
#   WEBMSG_CLUSTER_B_PORT      front end B (8482)
#   WEBMSG_CLUSTER_IMAP_PORT   Dovecot, IMAP with STARTTLS (8143)
#   WEBMSG_CLUSTER_IMAPS_PORT  Dovecot, IMAP over TLS, the one webmsgd uses (8993)
#   WEBMSG_CLUSTER_REDIS_PORT  Redis (8379)
#   WEBMSG_CLUSTER_SMTP_PORT   the loopback relay (8025)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

mode=start
case "${1:-}" in
"") ;;
--reset) mode=reset ;;
stop) mode=stop ;;
*) sed -n '8,10p' "$0" >&2; exit 2 ;;
esac

dir=${WEBMSG_CLUSTER_DIR:-$top/var/cluster}
case "$dir" in /*) ;; *) dir=$PWD/$dir ;; esac
lb_port=${WEBMSG_CLUSTER_PORT:-8480}
a_port=${WEBMSG_CLUSTER_A_PORT:-8481}
b_port=${WEBMSG_CLUSTER_B_PORT:-8482}
imap_port=${WEBMSG_CLUSTER_IMAP_PORT:-8143}
imaps_port=${WEBMSG_CLUSTER_IMAPS_PORT:-8993}
redis_port=${WEBMSG_CLUSTER_REDIS_PORT:-8379}
smtp_port=${WEBMSG_CLUSTER_SMTP_PORT:-8025}
for p in "$lb_port" "$a_port" "$b_port" "$imap_port" "$imaps_port" "$redis_port" "$smtp_port"; do
	case "$p" in
	'' | *[!0-9]*) echo "cluster-demo: port '$p' is not a number" >&2; exit 2 ;;
	esac
done

DOVECOT=$(command -v dovecot || echo /usr/sbin/dovecot)
demo_user=demo@example.org
other_user=bob@example.org

say() { printf 'cluster-demo: %s\n' "$*"; }
die() { printf 'cluster-demo: %s\n' "$*" >&2; exit 1; }

# wait_until SECONDS COMMAND...: 0 once the command succeeds, 1 after SECONDS.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.2
	done
}

port_open() {
	python3 -c 'import socket,sys; s=socket.socket(); s.settimeout(1); sys.exit(s.connect_ex(("127.0.0.1",int(sys.argv[1]))))' "$1"
}
port_closed() { ! port_open "$1"; }

# The pid in FILE when that process is alive and its command line names
# WHAT (a pid file left by a process that died may name another process now).
live_pid() {
	local file=$1 what=$2 pid
	pid=$(cat "$file" 2>/dev/null) || return 1
	case "$pid" in '' | *[!0-9]*) return 1 ;; esac
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$what" || return 1
	echo "$pid"
}

# The process and every process below it, for a stop that waits for all.
with_descendants() {
	local pids=" $1 " more=1 pid ppid
	while [ "$more" = 1 ]; do
		more=0
		while read -r pid ppid; do
			case "$pids" in *" $ppid "*) case "$pids" in *" $pid "*) ;; *) pids+="$pid " more=1 ;; esac ;; esac
		done < <(ps -e -o pid=,ppid=)
	done
	pids=${pids# }
	echo "${pids% }"
}
none_alive() {
	local pid
	for pid in "$@"; do kill -0 "$pid" 2>/dev/null && return 1; done
	return 0
}

# stop_pid NAME FILE WHAT: SIGTERM to the process, then a wait until it and
# every process below it have ended; SIGKILL to those left after 20 s.
stop_pid() {
	local name=$1 pid all
	pid=$(live_pid "$2" "$3") || { rm -f "$2"; return 0; }
	all=$(with_descendants "$pid")
	kill "$pid" 2>/dev/null || true
	# shellcheck disable=SC2086
	if ! wait_until 20 none_alive $all; then
		say "$name (pid $pid) did not stop within 20 s: killed"
		kill -9 $all 2>/dev/null || true
		wait_until 5 none_alive $all || true
	fi
	rm -f "$2"
}

stop_all() {
	stop_pid nginx "$dir/nginx/nginx.pid" "nginx"
	local fe
	for fe in b a; do
		if [ -e "$dir/$fe/webmsg.db" ] && [ -x "$bin/webmsg-admin" ]; then
			WEBMSG_CONFIG="$dir/$fe/webmsg.db" "$bin/webmsg-admin" service stop >/dev/null 2>&1 || true
		fi
		# What service stop could not reach (no admin built, a damaged database).
		stop_pid "webmsgd $fe" "$dir/$fe/webmsgd.pid" "webmsgd"
	done
	stop_pid "the relay" "$dir/relay/relay.pid" "smtp_relay.py"
	stop_pid redis "$dir/redis/redis.pid" "redis-server"
	stop_pid dovecot "$dir/dovecot/run/master.pid" "dovecot"
}

# The binaries: given, or built here as scripts/demo.sh builds them.
if [ -n "${WEBMSG_CLUSTER_BIN:-}" ]; then
	bin=$(cd "$WEBMSG_CLUSTER_BIN" && pwd)
elif [ "$mode" = stop ]; then
	bin=$top/build/bin
else
	scripts/deps.sh cluster
	cmake -S . -B build -DBUILD_TESTING=OFF >/dev/null
	cmake --build build -j "$(nproc)" >/dev/null
	bin=$top/build/bin
fi
export WEBMSG_DAEMON="$bin/webmsgd"
admin_a=(env WEBMSG_CONFIG="$dir/a/webmsg.db" "$bin/webmsg-admin")
admin_b=(env WEBMSG_CONFIG="$dir/b/webmsg.db" "$bin/webmsg-admin")

if [ -d "$dir" ]; then
	stop_all
fi
if [ "$mode" = stop ]; then
	say "stopped"
	exit 0
fi
if [ "$mode" = reset ] && [ -d "$dir" ]; then
	# Only a folder this script made: WEBMSG_CLUSTER_DIR may name any.
	[ -e "$dir/a/webmsg.db" ] || [ -e "$dir/dovecot/dovecot.conf" ] ||
		die "$dir is not a cluster demo's folder: not removed"
	rm -rf "$dir"
fi

for cmd in redis-server redis-cli nginx doveadm python3 openssl; do
	command -v "$cmd" >/dev/null || die "$cmd is not installed (scripts/deps.sh cluster)"
done
[ -x "$DOVECOT" ] || die "dovecot is not installed (scripts/deps.sh cluster)"

mkdir -p "$dir"/{a,b,redis,relay,nginx/tmp}
# 0711: Dovecot's and nginx's unprivileged processes and the webmsgd worker
# pass through to their files without listing the folder (as var/ of
# scripts/demo.sh); the databases, Redis's password and configuration are 0600.
chmod 711 "$dir" "$dir/a" "$dir/b"
[ "$dir" != "$top/var/cluster" ] || chmod 711 "$top/var"
chmod 700 "$dir/redis"

# --- Dovecot: scripts/dovecot.sh's configuration, the one the tests use.
. "$top/scripts/dovecot.sh"
if [ "$(id -u)" -eq 0 ] && ! runuser -u dovenull -- test -x "$dir" 2>/dev/null; then
	die "Dovecot's processes cannot pass through to $dir: open its parent folders (chmod o+x) or set WEBMSG_CLUSTER_DIR"
fi
dovecot_configure "$dir/dovecot" "$imap_port" "$imaps_port" || die "cannot configure Dovecot"
dovecot_conf=$dir/dovecot/dovecot.conf
new_users=0
if ! grep -q "^$demo_user:" "$dir/dovecot/users"; then
	dovecot_add_user "$dir/dovecot" "$demo_user" "$(openssl rand -base64 12)"
	dovecot_add_user "$dir/dovecot" "$other_user" "$(openssl rand -base64 12)"
	new_users=1
fi
# Daemons hold no descriptor of the caller's: a caller reading this
# script's output (a test) would wait for them to end.
"$DOVECOT" -c "$dovecot_conf" </dev/null >>"$dir/dovecot/dovecot.log" 2>&1 || die "Dovecot did not start: see $dir/dovecot/dovecot.log"
dovecot_up() { port_open "$imaps_port" && dovecot_greets "$imap_port"; }
wait_until 30 dovecot_up || die "Dovecot does not answer on port $imap_port: see $dir/dovecot/dovecot.log"
if [ "$new_users" = 1 ]; then
	for msg in share/sample-mail/*.eml; do
		doveadm -c "$dovecot_conf" save -u "$demo_user" -m INBOX <"$msg" ||
			die "doveadm save of $msg failed: see $dir/dovecot/dovecot.log"
	done
fi
password_of() { sed -n "s/^$1:{PLAIN}\\([^:]*\\):.*/\\1/p" "$dir/dovecot/users"; }

# --- Redis: loopback, a password, nothing kept on disk (sessions are
# worth keeping in production: see Redis's own persistence settings).
redis_pw=$dir/redis/password
[ -s "$redis_pw" ] || (umask 077 && openssl rand -hex 24 >"$redis_pw")
(
	umask 077
	cat >"$dir/redis/redis.conf" <<EOF
bind 127.0.0.1
port $redis_port
protected-mode yes
daemonize yes
pidfile $dir/redis/redis.pid
logfile $dir/redis/redis.log
dir $dir/redis
save ""
appendonly no
requirepass $(cat "$redis_pw")
EOF
)
redis-server "$dir/redis/redis.conf" </dev/null >>"$dir/redis/redis.log" 2>&1 || die "Redis did not start: see $dir/redis/redis.log"
redis_up() { [ "$(REDISCLI_AUTH=$(cat "$redis_pw") redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ]; }
wait_until 30 redis_up || die "Redis does not answer on port $redis_port: see $dir/redis/redis.log"

# --- The site's MTA, stood in for by the loopback relay (see the top).
setsid python3 "$top/scripts/smtp_relay.py" "$smtp_port" "$dir/relay" --lda "$dovecot_conf" \
	--lifetime 0 </dev/null >>"$dir/relay/relay.log" 2>&1 &
echo $! >"$dir/relay/relay.pid"
wait_until 30 port_open "$smtp_port" || die "the relay does not answer on port $smtp_port: see $dir/relay/relay.log"

# --- Front end A: the model.
if [ ! -e "$dir/a/webmsg.db" ]; then
	"${admin_a[@]}" init >/dev/null
fi
set_a() { "${admin_a[@]}" config set "$@" >/dev/null || die "config set $1 on A failed"; }
# Started as root, the workers serve as webmsg when it can reach the
# front ends' folders (their outboxes), as in scripts/demo.sh; else as root.
if [ "$(id -u)" -eq 0 ] && ! runuser -u webmsg -- test -x "$dir" 2>/dev/null; then
	set_a service.user root
	set_a service.group root
elif [ "$(id -u)" -ne 0 ]; then
	set_a service.user "$(id -un)"
	set_a service.group "$(id -gn)"
fi
set_a web.bind 127.0.0.1
set_a web.http_port "$a_port"
set_a web.trusted_proxies 127.0.0.1
set_a mail.imap_server "127.0.0.1:$imaps_port"
set_a mail.imap_tls implicit
set_a mail.imap_ca_file "$dir/dovecot/cert.pem"
set_a mail.store imap
set_a session.store redis
set_a session.redis "redis://127.0.0.1:$redis_port/0"
"${admin_a[@]}" config set session.redis_password --password-file "$redis_pw" >/dev/null ||
	die "config set session.redis_password on A failed"
set_a smtp.relay "smtp://127.0.0.1:$smtp_port"
set_a smtp.tls none

# --- Front end B: A's settings, secrets included (session.secret seals the
# IMAP passwords in Redis: every front end needs the same), its own port.
[ -e "$dir/b/webmsg.db" ] || "${admin_b[@]}" init >/dev/null
out=$("${admin_a[@]}" config export "$dir/a-settings.cfg" --with-secrets 2>&1) ||
	die "config export on A failed: $out"
out=$("${admin_b[@]}" config import "$dir/a-settings.cfg" 2>&1) || die "config import on B failed: $out"
"${admin_b[@]}" config set web.http_port "$b_port" >/dev/null || die "config set web.http_port on B failed"

"${admin_a[@]}" service start >/dev/null || die "front end A did not start: see $dir/a/webmsgd.log"
"${admin_b[@]}" service start >/dev/null || die "front end B did not start: see $dir/b/webmsgd.log"
wait_until 30 port_open "$a_port" || die "front end A does not answer on port $a_port"
wait_until 30 port_open "$b_port" || die "front end B does not answer on port $b_port"

# --- nginx: round robin over A and B, no sticky sessions. The client's
# address goes in X-Forwarded-For (A and B trust 127.0.0.1 for it), the
# Host header as the browser sent it. Bodies as large as a message may be
# (mail.max_message_mb); webmsgd applies its own limits.
max_mb=$("${admin_a[@]}" config get mail.max_message_mb)
max_mb=$((max_mb + 1))
# Started as root, its workers serve as www-data (Debian's web server
# user) and write bodies too large to hold in memory under tmp/.
nginx_user=
mkdir -p "$dir/nginx/tmp"/{body,proxy,fastcgi,uwsgi,scgi}
if [ "$(id -u)" -eq 0 ]; then
	worker=www-data
	getent passwd "$worker" >/dev/null || worker=nobody
	nginx_user="user $worker $(id -gn "$worker");"
	chown -R "$worker" "$dir/nginx/tmp"
fi
cat >"$dir/nginx/nginx.conf" <<EOF
# The cluster demo's load balancer (scripts/cluster-demo.sh).
$nginx_user
worker_processes 1;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log;
events { worker_connections 256; }
http {
	access_log $dir/nginx/access.log;
	client_body_temp_path $dir/nginx/tmp/body;
	proxy_temp_path $dir/nginx/tmp/proxy;
	fastcgi_temp_path $dir/nginx/tmp/fastcgi;
	uwsgi_temp_path $dir/nginx/tmp/uwsgi;
	scgi_temp_path $dir/nginx/tmp/scgi;
	client_max_body_size ${max_mb}m;

	upstream webmsg {
		server 127.0.0.1:$a_port;   # front end A
		server 127.0.0.1:$b_port;   # front end B
		keepalive 8;
	}
	server {
		listen 127.0.0.1:$lb_port;
		location / {
			proxy_pass http://webmsg;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Host \$http_host;
			proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
		}
	}
}
EOF
nginx -p "$dir/nginx/" -e "$dir/nginx/error.log" -c "$dir/nginx/nginx.conf" \
	</dev/null >/dev/null 2>&1 ||
	die "nginx did not start: see $dir/nginx/error.log"
wait_until 30 port_open "$lb_port" || die "nginx does not answer on port $lb_port"

# How to run it again: with the folder, when it is not the default one.
again=$0
[ -z "${WEBMSG_CLUSTER_DIR:-}" ] || again="WEBMSG_CLUSTER_DIR=$dir $0"
cat <<MSG

Web Messaging through the load balancer (nginx):  http://127.0.0.1:$lb_port/
front end A: http://127.0.0.1:$a_port/   front end B: http://127.0.0.1:$b_port/

Log on as $demo_user  password: $(password_of "$demo_user")
       or $other_user   password: $(password_of "$other_user")
(Dovecot's users, in $dir/dovecot/users)

Logs: $dir/a/webmsgd.log, $dir/b/webmsgd.log, $dir/nginx/access.log,
      $dir/dovecot/dovecot.log, $dir/redis/redis.log, $dir/relay/relay.log
Stop: $again stop    Start afresh: $again --reset

MSG
