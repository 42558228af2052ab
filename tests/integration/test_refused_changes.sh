#!/usr/bin/env bash
# One decision for every door: a change webmsgd could not serve is refused
# with the reason and the setting, nothing is saved (no new version), the
# stored key password still opens the key, and a restart still serves HTTPS.
. "$(dirname "$0")/lib.sh"
new_ssl_instance
admin service start >/dev/null || { fail "service start"; finish; }

latest() { admin config history | tail -n 1 | awk '{print $1}'; }
stored_password_opens_key() {
	sqlite3 "$WEBMSG_CONFIG" "SELECT value FROM settings WHERE key = 'ssl.key_password'" |
		tr -d '\n' > "$WORK/pass"
	openssl pkey -in "$WORK/ssl/server.key" -passin "file:$WORK/pass" -noout 2>/dev/null
}

# A certificate for another key, and a wrong key password in a file.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-subj "/CN=other" -keyout "$WORK/other.key" -out "$WORK/other.crt" 2>/dev/null
echo 'not-the-key-password' > "$WORK/wrong"

# door | command | setting named in the refusal
cases=(
	"config set ssl.key_password --password-file $WORK/wrong|ssl.key_password: cannot decrypt.*nothing was saved"
	"config unset ssl.key_password|ssl.key_password: cannot decrypt.*nothing was saved"
	"config set web.https_port $HTTP_PORT|web.https_port: .*same port.*nothing was saved"
	"config set ssl.cert_file $WORK/other.crt|ssl.cert_file: the certificate does not match.*nothing was saved"
	"config set mail.root /proc/nonexistent/mail|mail.root: .*cannot be made.*nothing was saved"
	"config set ssl.client_auth required|ssl.client_ca_file: .*no CA file.*nothing was saved"
	"ssl ciphers custom --priority NONE:+NO-SUCH-THING|ssl.priority: invalid priority string"
)
for c in "${cases[@]}"; do
	cmd=${c%%|*}
	reason=${c#*|}
	before=$(latest)
	# shellcheck disable=SC2086 # the command's words
	out=$(admin $cmd 2>&1)
	rc=$?
	expect_eq "$cmd: refused" 1 "$rc"
	expect_match "$cmd: says why, naming the setting" "$reason" "$out"
	expect_eq "$cmd: no new version" "$before" "$(latest)"
	check "$cmd: the stored key password still opens the key" stored_password_opens_key
done

# With SSL off the same changes are refused: they would fail once SSL is on,
# and a replaced key password is lost.
admin ssl disable >/dev/null
for c in "${cases[@]:0:2}" "config set ssl.client_auth required|ssl.client_ca_file: .*no CA file.*nothing was saved"; do
	cmd=${c%%|*}
	before=$(latest)
	# shellcheck disable=SC2086 # the command's words
	out=$(admin $cmd 2>&1)
	expect_eq "SSL off, $cmd: refused" 1 "$?"
	expect_match "SSL off, $cmd: says why" "${c#*|}" "$out"
	expect_eq "SSL off, $cmd: no new version" "$before" "$(latest)"
done
check "SSL off: the stored key password still opens the key" stored_password_opens_key
admin ssl enable >/dev/null

# config revert is a door like the others; what it implies follows too.
v_before_ssl=$(admin config history | awk '$4 == "ssl.enable" {print $1; exit}')
before=$(latest)
out=$(admin config revert $((v_before_ssl - 1)) 2>&1)
expect_eq "a revert to before SSL was on applies" 0 "$?"
expect_match "the daemon applied it" 'applied' "$out"
expect_eq "ssl.force followed ssl.enable" "off" "$(admin config get ssl.force)"
admin ssl enable >/dev/null

# What a door implies: turning SSL off turns Force SSL off.
admin ssl force on >/dev/null
expect_eq "Force SSL is on" "on" "$(admin config get ssl.force)"
admin config set ssl.enable off >/dev/null
expect_eq "config set ssl.enable off turns Force SSL off too" "off" "$(admin config get ssl.force)"
admin config set ssl.force on >/dev/null
expect_eq "config set ssl.force on turns SSL on" "on" "$(admin config get ssl.enable)"
admin ssl force off >/dev/null

# Nothing was lost: a restart serves HTTPS with the stored key.
out=$(admin service restart 2>&1)
expect_match "service restart works" 'started' "$out"
expect_eq "HTTPS serves after the restart" 200 "$(http_code -k "https://127.0.0.1:$HTTPS_PORT/")"
expect_match "webmsgd -n finds the saved configuration valid" 'is valid' \
	"$("$WEBMSG_DAEMON" -n -c "$WEBMSG_CONFIG" 2>&1)"
finish
