#!/usr/bin/env bash
# The logon page and static files as a browser gets them from the real daemon.
. "$(dirname "$0")/lib.sh"
new_instance
check "service start" admin service start
base="http://127.0.0.1:$HTTP_PORT"

headers=$(curl -s -D - -o "$WORK/page.html" "$base/")
page=$(cat "$WORK/page.html")
expect_match "logon page is 200" '^HTTP/1.1 200' "$headers"
expect_match "logon page is HTML in UTF-8" 'Content-Type: text/html; charset=utf-8' "$headers"
expect_match "user ID field" 'name="user"' "$page"
expect_match "password field" 'type="password"' "$page"
expect_match "Expire page views option" 'Expire page views' "$page"
expect_match "Remember me option with its warning" 'Remember me on this computer.*not recommended if you share this computer' "$page"
expect_match "the page says it is in regular mode" 'Regular mode' "$page"
for h in "Content-Security-Policy: default-src 'none'" "X-Content-Type-Options: nosniff" \
	"Referrer-Policy: no-referrer" "X-Frame-Options: DENY"; do
	expect_match "header $h" "$h" "$headers"
done

admin config set login.remember_me off >/dev/null
page=$(curl -s "$base/")
expect_no_match "Remember me is gone when the administrator refuses it" 'Remember me' "$page"
admin config set web.hostname 'mail.example.org' >/dev/null
expect_match "host name from the configuration" 'class="host">mail.example.org<' "$(curl -s "$base/")"

css=$(curl -s -D - -o /dev/null "$base/static/style.css")
expect_match "style sheet served as text/css" 'Content-Type: text/css' "$css"
etag=$(printf '%s' "$css" | tr -d '\r' | sed -n 's/^ETag: //p')
expect_eq "unchanged style sheet answers 304" 304 "$(http_code -H "If-None-Match: $etag" "$base/static/style.css")"
expect_eq "unknown page is 404" 404 "$(http_code "$base/no/such/page")"
expect_match "404 is the error page" 'There is no page at this address' "$(curl -s "$base/nothing")"
expect_eq "no path escapes the static folder" 404 "$(http_code --path-as-is "$base/static/../../../etc/passwd")"
expect_eq "hidden files are not served" 404 "$(http_code "$base/static/.htaccess")"
expect_eq "DELETE is refused" 405 "$(http_code -X DELETE "$base/")"
expect_eq "HEAD works" 200 "$(curl -s -I -o /dev/null -w '%{http_code}' "$base/")"

# Malformed HTTP gets an answer, and the daemon stays up.
bad=$(printf 'GARBAGE / HTTP/9.9\r\n\r\n' | timeout 60 python3 -c '
import socket,sys
s=socket.create_connection(("127.0.0.1",int(sys.argv[1])))
s.sendall(sys.stdin.buffer.read()); s.settimeout(30)
try: print(s.recv(200).decode(errors="replace").splitlines()[0])
except Exception as e: print("no answer:", e)' "$HTTP_PORT")
expect_match "malformed request gets an HTTP error" 'HTTP/1.1 (400|405|501|505)' "$bad"
expect_eq "still serving after malformed input" 200 "$(http_code "$base/")"

pid=$(daemon_pid)
check "service stop" admin service stop
check "no process left" bash -c "! kill -0 $pid 2>/dev/null"
check "no stale pidfile" test ! -e "$WORK/webmsgd.pid"
expect_eq "nothing listens after stop" 000 "$(http_code "$base/")"
finish
