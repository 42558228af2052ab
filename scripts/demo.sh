#!/usr/bin/env bash
# Installs what webmsg needs, builds it, creates a demo instance under ./var
# (configuration database, a domain, a user with sample mail) and starts
# webmsgd on it, then opens the console. Run it again to rebuild and restart;
# --reset starts afresh.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/deps.sh build

cmake -S . -B build -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
admin=(build/bin/webmsg-admin -c var/webmsg.db)

if [ "${1:-}" = "--reset" ] && [ -e var/webmsg.db ]; then
	"${admin[@]}" service stop 2>/dev/null || true
	rm -rf var
fi

if [ ! -e var/webmsg.db ]; then
	mkdir -p var
	# 0711: the service user passes through to var/mail without listing var;
	# the database (0600) and var/ssl (0700) stay the starting user's.
	chmod 711 var
	"${admin[@]}" init
	"${admin[@]}" config set web.bind 127.0.0.1 >/dev/null
	# Started as root, the workers serve as webmsg (scripts/deps.sh made it)
	# when it can reach var/mail from here; a clone in a closed home (/root)
	# is served as root instead, and webmsg-admin check notes it.
	if [ "$(id -u)" -eq 0 ] && ! runuser -u webmsg -- test -x "$top/var" 2>/dev/null; then
		echo "note: webmsg cannot reach $top/var; the demo serves as root"
		"${admin[@]}" config set service.user root >/dev/null
		"${admin[@]}" config set service.group root >/dev/null
	fi
	"${admin[@]}" config set web.hostname localhost >/dev/null
	# HTTPS on 8384 with a self-signed certificate (browsers will warn about it).
	mkdir -m 700 var/ssl
	"${admin[@]}" ssl keystore var/ssl >/dev/null
	"${admin[@]}" ssl selfsign --cn localhost --san 127.0.0.1 >/dev/null
	"${admin[@]}" ssl enable >/dev/null
	"${admin[@]}" domain add example.org
	password=$(openssl rand -base64 12)
	printf '%s\n' "$password" | "${admin[@]}" user add demo@example.org
	maildir=var/mail/example.org/demo
	mkdir -p "$maildir"/{cur,new,tmp}
	n=0
	for msg in share/sample-mail/*.eml; do
		n=$((n + 1))
		name="$(date +%s).M${n}P$$.demo"
		cp "$msg" "$maildir/tmp/$name"
		mv "$maildir/tmp/$name" "$maildir/new/$name"
	done
	# Mail seeded as root is given to the user that serves it, as an MTA
	# delivering for virtual users writes it (webmsgd gives var/mail itself).
	if [ "$(id -u)" -eq 0 ]; then
		chown -R "$("${admin[@]}" config get service.user):$("${admin[@]}" config get service.group)" \
			var/mail
	fi
	cat <<MSG

Demo user: demo@example.org
Password:  $password   (shown only now; change it with: ${admin[*]} user passwd demo@example.org)

MSG
fi

if "${admin[@]}" service status >/dev/null 2>&1; then
	"${admin[@]}" service restart
else
	"${admin[@]}" service start
fi
echo "Web Messaging: http://127.0.0.1:$("${admin[@]}" config get web.http_port)/" \
	"and https://127.0.0.1:$("${admin[@]}" config get web.https_port)/"
echo
# At a terminal, the console; otherwise (a script, CI) the status.
if [ -t 0 ] && [ -t 1 ]; then
	exec "${admin[@]}"
fi
"${admin[@]}" service status || true
