#!/usr/bin/env bash
# A user's settings and recent recipients with mail.store imap live on the
# IMAP server (METADATA server entries, RFC 5464), not on a front end: saved
# through front end A they are kept past a logoff, Dovecot holds them
# (doveadm mailbox metadata get), and front end B (its own database, its own
# session) shows them and changes them for A. A message sent adds its
# recipient to the compose form's suggestions on both, for one SETMETADATA
# on the wire (a counting proxy in front of B). Against a Dovecot without
# METADATA the Settings page says what the administrator must enable, and
# the pages go on with the defaults.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"

PASSWORD='Ann at Dovecot 1'
dovecot_user ann@example.org "$PASSWORD"
check "Dovecot starts" dovecot_start || finish

# B reaches Dovecot through a proxy that logs every command (plain IMAP on
# loopback).
PROXY_PORT=$(free_port)
WIRE="$WORK/wire.log"
: >"$WIRE"
python3 "$(dirname "$0")/imap_count_proxy.py" "$PROXY_PORT" "$DOVECOT_IMAP_PORT" "$WIRE" &
PROXY_PID=$!

B="$WORK/b/webmsg.db"
b_admin() { WEBMSG_CONFIG="$B" "$ADMIN" "$@"; }
trap 'stop_pid "$(cat "$WORK/b/webmsgd.pid" 2>/dev/null)"; stop_pid "$PROXY_PID"; dovecot_stop; cleanup' EXIT
# The site's mail server: the loopback relay (it keeps what it is given).
check "the relay starts" relay_start "$WORK/relay" || finish
check "the proxy listens" wait_for 30 port_open "$PROXY_PORT" || finish

# mail_settings ADMIN-COMMAND SERVER TLS: mail.store imap there, and the relay.
mail_settings() {
	"$1" config set mail.imap_server "$2" >/dev/null &&
		"$1" config set mail.imap_tls "$3" >/dev/null &&
		"$1" config set mail.imap_ca_file "$DOVECOT_CA" >/dev/null &&
		"$1" config set mail.store imap >/dev/null &&
		"$1" config set mail.imap_timeout 10 >/dev/null &&
		"$1" config set smtp.relay "smtp://127.0.0.1:$RELAY_PORT" >/dev/null &&
		"$1" config set smtp.tls none >/dev/null
}

# A: implicit TLS to Dovecot.
new_instance
mail_settings admin "127.0.0.1:$DOVECOT_IMAPS_PORT" implicit || { fail "configure A"; finish; }
# B: a database and port of its own, through the proxy.
mkdir -m 711 "$WORK/b"
B_PORT=$(free_port)
b_admin init >/dev/null &&
	b_admin config set service.user "$(id -un)" >/dev/null &&
	b_admin config set service.group "$(id -gn)" >/dev/null &&
	b_admin config set web.bind 127.0.0.1 >/dev/null &&
	b_admin config set web.http_port "$B_PORT" >/dev/null &&
	mail_settings b_admin "127.0.0.1:$PROXY_PORT" none || { fail "configure B"; finish; }
admin service start >/dev/null || { fail "A starts"; finish; }
b_admin service start >/dev/null || { fail "B starts"; finish; }
a="http://127.0.0.1:$HTTP_PORT"
b="http://127.0.0.1:$B_PORT"

# settings JAR BASE: the Settings page (also in $WORK/settings.html).
settings() { curl -s -b "$1" -c "$1" "$2/settings" | tee "$WORK/settings.html"; }
# save JAR BASE NAME SIGNATURE PER_PAGE: the settings form's status and where it leads.
save() {
	settings "$1" "$2" >/dev/null
	curl -s -b "$1" -c "$1" --data-urlencode "csrf=$(csrf_of "$WORK/settings.html")" \
		--data-urlencode op=prefs --data-urlencode "display_name=$3" \
		--data-urlencode "signature=$4" --data-urlencode zone=Europe/Berlin \
		--data-urlencode "per_page=$5" --data-urlencode first=text \
		-o "$WORK/saved.html" -w '%{http_code} %{redirect_url}' "$2/settings"
}
logoff() {
	local csrf
	csrf=$(csrf_of <(curl -s -b "$1" "$2/mail"))
	curl -s -b "$1" -c "$1" --data-urlencode "csrf=$csrf" -o /dev/null -w '%{http_code}' "$2/logoff"
}
# entry NAME: the server entry as Dovecot holds it.
entry() { dovecot_adm mailbox metadata get -u ann@example.org -s "" "/private/vendor/webmsg/$1" 2>&1; }

# --- saved through A, kept past a logoff, held by Dovecot
out=$(logon "$WORK/jar_a" "$a" ann@example.org "$PASSWORD")
expect_eq "ann logs on through A" "303 $a/mail" "$out"
page=$(settings "$WORK/jar_a" "$a")
expect_match "a first Settings page: the defaults" 'id="per_page" name="per_page" type="number" min="[0-9]+" max="[0-9]+" value="50"' "$page"
out=$(save "$WORK/jar_a" "$a" "Ann Example" $'Best wishes,\nAnn' 35)
expect_eq "saving the settings on A" "303 $a/settings?n=saved" "$out"
stored=$(entry prefs)
expect_match "Dovecot holds them as a server entry" '^display_name=Ann Example$' "$stored"
expect_match "... the signature's line end escaped" '^signature=Best wishes,\\nAnn$' "$stored"
expect_match "... and the page size" '^per_page=35$' "$stored"
expect_eq "A logs off" 303 "$(logoff "$WORK/jar_a" "$a")"
out=$(logon "$WORK/jar_a" "$a" ann@example.org "$PASSWORD")
expect_eq "ann logs on again through A" "303 $a/mail" "$out"
page=$(settings "$WORK/jar_a" "$a")
expect_match "the display name is kept" 'value="Ann Example"' "$page"
expect_match "the signature is kept, on two lines" $'Best wishes,\nAnn</textarea>' "$page"
expect_match "the page size is kept" 'name="per_page" type="number" min="[0-9]+" max="[0-9]+" value="35"' "$page"
expect_match "the compose form signs with it" $'-- \nBest wishes,\nAnn' "$(curl -s -b "$WORK/jar_a" "$a/mail/compose")"

# --- front end B: its own database and session, the same settings
out=$(logon "$WORK/jar_b" "$b" ann@example.org "$PASSWORD")
expect_eq "ann logs on through B" "303 $b/mail" "$out"
expect_match "B shows the settings saved on A" 'value="Ann Example"' "$(settings "$WORK/jar_b" "$b")"
out=$(save "$WORK/jar_b" "$b" "Ann on B" "" 40)
expect_eq "saving on B" "303 $b/settings?n=saved" "$out"
page=$(settings "$WORK/jar_a" "$a")
expect_match "A, on its kept connection, shows B's change at once" 'value="Ann on B"' "$page"
expect_match "... and B's page size" 'name="per_page" type="number" min="[0-9]+" max="[0-9]+" value="40"' "$page"

# --- a message sent on B: its recipient suggested on both, one SETMETADATA
csrf=$(csrf_of <(curl -s -b "$WORK/jar_b" "$b/mail/compose"))
MARK=$(wc -l <"$WIRE")
out=$(curl -s -b "$WORK/jar_b" -o /dev/null -w '%{http_code} %{redirect_url}' -F "csrf=$csrf" \
	-F kind=new -F draft= -F "to=Bob <bob@example.org>" -F "subject=Remember him" \
	-F "body=Hello Bob" -F op=send "$b/mail/send")
expect_eq "a message to bob sent on B" "303 $b/mail?f=INBOX&n=queued" "$out"
sent=$(tail -n +"$((MARK + 1))" "$WIRE" | cut -d' ' -f2- | cut -f1)
echo "# sending on B sent to Dovecot:"; sed 's/^/#   /' <<<"$sent"
expect_eq "it writes the recent recipients with one SETMETADATA" 1 "$(grep -cx SETMETADATA <<<"$sent")"
expect_match "Dovecot holds bob among them" '^bob@example\.org$' "$(entry recent)"
expect_match "B suggests bob in the compose form" '"bob@example.org"' \
	"$(curl -s -b "$WORK/jar_b" "$b/mail/addresses?q=bo")"
expect_match "... and so does A" '"bob@example.org"' "$(curl -s -b "$WORK/jar_a" "$a/mail/addresses?q=b")"
expect_no_match "no warning about the recent recipients in A's or B's log" 'recent recipients' \
	"$(cat "$WORK/webmsgd.log" "$WORK/b/webmsgd.log" 2>/dev/null)"

# --- a Dovecot without METADATA: a clear refusal, and the pages work
dovecot_stop
DOVECOT_METADATA=no dovecot_start || { fail "Dovecot restarts without METADATA"; finish; }
admin config set mail.imap_server "127.0.0.1:$DOVECOT_IMAPS_PORT" >/dev/null &&
	admin service reload >/dev/null || fail "A moves to the new Dovecot"
out=$(logon "$WORK/jar_c" "$a" ann@example.org "$PASSWORD")
expect_eq "ann logs on to A on the Dovecot without METADATA" "303 $a/mail" "$out"
page=$(settings "$WORK/jar_c" "$a")
expect_match "the Settings page shows the defaults" 'name="per_page" type="number" min="[0-9]+" max="[0-9]+" value="50"' "$page"
out=$(save "$WORK/jar_c" "$a" "Not kept" "" 30)
expect_eq "saving is refused on the page" "409 " "$out"
expect_match "... saying what the administrator must enable" \
	'does not keep settings \(IMAP METADATA\)\. Ask the administrator to enable it \(Dovecot: mail_attribute_dict and imap_metadata = yes\)' \
	"$(cat "$WORK/saved.html")"
expect_match "... with what was typed still in the form" 'value="Not kept"' "$(cat "$WORK/saved.html")"
expect_eq "the message list still works" 200 "$(http_code -b "$WORK/jar_c" "$a/mail")"
expect_eq "and the compose form" 200 "$(http_code -b "$WORK/jar_c" "$a/mail/compose")"
expect_eq "the suggestions answer (none kept)" "[]" "$(curl -s -b "$WORK/jar_c" "$a/mail/addresses?q=bo")"
csrf=$(csrf_of <(curl -s -b "$WORK/jar_c" "$a/mail/compose"))
out=$(curl -s -b "$WORK/jar_c" -o /dev/null -w '%{http_code} %{redirect_url}' -F "csrf=$csrf" \
	-F kind=new -F draft= -F "to=carol@example.org" -F "subject=Still sent" -F "body=x" \
	-F op=send "$a/mail/send")
expect_eq "sending still works" "303 $a/mail?f=INBOX&n=queued" "$out"

finish
