#!/usr/bin/env bash
# Several front ends: the configuration exported on one machine (A) and
# imported on another (B) makes them equal; secrets stay out of the file
# unless asked for (then mode 0600); an edited, cut or refused file changes
# nothing; an import into a running daemon's database is applied at once.
. "$(dirname "$0")/lib.sh"
new_instance
B="$WORK/b/webmsg.db"
mkdir -m 700 "$WORK/b"
admin -c "$B" init >/dev/null || { fail "init B"; finish; }
b() { admin -c "$B" "$@"; }
version_of() { sqlite3 "$1" 'SELECT coalesce(max(version), 0) FROM config_versions'; }
stored() { sqlite3 "$1" "SELECT value FROM settings WHERE key = '$2'"; }
# A file with a correct checksum around BODY, as if exported: what the
# import checks beyond the checksum is what it meets.
signed() {
	local body
	body=$(printf '@format = "webmsg-config 1"\n@product = "webmsg"\n@secrets = "excluded"\n%s\n' "$1")
	printf '%s\n@sha256 = "%s"\n' "$body" "$(printf '%s\n' "$body" | sha256sum | cut -d' ' -f1)"
}

# A: settings of its own, a value no careless format survives, and secrets.
hostile=$'relay "user" = \\n \\ caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \\x41'
admin config set session.idle_timeout 900 >/dev/null
admin config set smtp.user "$hostile" >/dev/null || fail "A takes the hostile value"
echo 'A-smtp-Secret-1' | admin config set smtp.password >/dev/null
echo 'A-key-Secret-2' | admin config set ssl.key_password >/dev/null
# B: a setting A does not have, and a secret of its own.
b config set log.level debug >/dev/null
echo 'B-smtp-Secret-3' | b config set smtp.password >/dev/null

admin config export "$WORK/a.cfg" 2>/dev/null
expect_eq "export writes a file" 0 "$?"
text=$(cat "$WORK/a.cfg")
expect_match "the header names product, schema and host" '@product = "webmsg"' "$text"
expect_match "the header says what is not in the file" 'Users, domains' "$text"
expect_match "the last line is the checksum" '@sha256 = "[0-9a-f]{64}"$' "$text"
expect_match "a changed setting is in the file" 'session.idle_timeout = "900"' "$text"
expect_no_match "a default is not" 'session.max_lifetime' "$text"
expect_no_match "no secret value without --with-secrets" 'Secret-' "$text"
expect_no_match "no secret key without --with-secrets" 'smtp.password|ssl.key_password' "$text"
expect_eq "the same settings on standard output" "$(grep -v '^@date\|^@sha256' <<<"$text")" \
	"$(admin config export | grep -v '^@date\|^@sha256')"

out=$(b config diff "$WORK/a.cfg")
expect_eq "diff says different (exit 1)" 1 "$?"
expect_match "diff lists a setting of A" 'session.idle_timeout +"1800" \(default\) +"900"' "$out"
expect_match "diff lists B's own setting against the default" 'log.level +"debug" +"info" \(default\)' "$out"
expect_no_match "diff shows no secret" 'Secret-' "$out"

v_before=$(version_of "$B")
out=$(b config import "$WORK/a.cfg" 2>&1)
expect_eq "import into B succeeds" 0 "$?"
expect_match "import prints what changed" 'session.idle_timeout.*"900"' "$out"
expect_eq "import made one version" $((v_before + 1)) "$(version_of "$B")"
expect_eq "the hostile value came through byte for byte" "$hostile" "$(b config get smtp.user)"
expect_eq "B's own setting went back to the default" info "$(b config get log.level)"
expect_eq "B kept its secret (the file had none)" 'B-smtp-Secret-3' "$(stored "$B" smtp.password)"
out=$(b config diff "$WORK/a.cfg")
expect_eq "now diff says equal (exit 0)" 0 "$?"
expect_match "and says so" 'the same' "$out"
out=$(b config import "$WORK/a.cfg" 2>&1)
expect_match "importing again changes nothing" 'unchanged' "$out"

# Secrets, asked for: the file is 0600 even when an older, wider one was there.
printf 'old\n' >"$WORK/s.cfg"
chmod 644 "$WORK/s.cfg"
admin config export --with-secrets "$WORK/s.cfg" 2>/dev/null
expect_eq "export --with-secrets makes the file 0600" 600 "$(stat -c %a "$WORK/s.cfg")"
expect_match "and the secrets are in it" 'smtp.password = "A-smtp-Secret-1"' "$(cat "$WORK/s.cfg")"
out=$(b config diff "$WORK/s.cfg")
expect_match "diff names a differing secret" 'smtp.password.*secret' "$out"
expect_no_match "without showing it" 'Secret-' "$out"
b config import "$WORK/s.cfg" >/dev/null 2>&1
expect_eq "importing it copies the secret" 'A-smtp-Secret-1' "$(stored "$B" smtp.password)"
expect_eq "every secret" 'A-key-Secret-2' "$(stored "$B" ssl.key_password)"

# Refused files change nothing in B.
admin config set session.idle_timeout 1000 >/dev/null
admin config export "$WORK/edit.cfg" 2>/dev/null
v_before=$(version_of "$B")
sed 's/"1000"/"1001"/' "$WORK/edit.cfg" >"$WORK/edited.cfg"
out=$(b config import "$WORK/edited.cfg" 2>&1)
expect_eq "an edited file is refused" 1 "$?"
expect_match "naming the problem" 'edited.cfg: the checksum does not match: the file was changed' "$out"
head -c -30 "$WORK/edit.cfg" >"$WORK/cut.cfg"
out=$(b config import "$WORK/cut.cfg" 2>&1)
expect_match "a cut file is refused" 'does not end with its checksum line.*nothing was imported' "$out"
out=$(b config diff "$WORK/cut.cfg" 2>&1)
expect_eq "diff of a cut file is trouble (exit 2)" 2 "$?"
signed $'session.idle_timeout = "1500"\nweb.http_port = "0"' >"$WORK/port0.cfg"
out=$(b config import "$WORK/port0.cfg" 2>&1)
expect_eq "a file with port 0 is refused" 1 "$?"
expect_match "naming the setting and why" 'web.http_port: 0 is outside 1..65535' "$out"
signed $'session.idle_timeout = "1500"\nweb.htp_port = "80"\nno.such = "1"' >"$WORK/unknown.cfg"
out=$(b config import "$WORK/unknown.cfg" 2>&1)
expect_match "unknown settings are refused, all listed with their lines" \
	"2 unknown settings \(line 5: 'web.htp_port', line 6: 'no.such'\)" "$out"
signed $'session.idle_timeout = "1500"\nsession.idle_timeout = "1600"' >"$WORK/twice.cfg"
out=$(b config import "$WORK/twice.cfg" 2>&1)
expect_match "a key twice is refused with its lines" 'line 5: session.idle_timeout is already set on line 4' "$out"
out=$(b config import --dry-run "$WORK/edit.cfg" 2>&1)
expect_match "a dry run shows the change" 'session.idle_timeout +"900" +"1000"' "$out"
expect_match "and saves nothing" 'nothing was saved' "$out"
expect_eq "B is unchanged by all of these" "$v_before" "$(version_of "$B")"
expect_eq "B's setting is as before" 900 "$(b config get session.idle_timeout)"

# Into a running daemon's database: applied at once, as config set is.
check "service start on A" admin service start
base="http://127.0.0.1:$HTTP_PORT"
expect_match "A offers Remember me" 'Remember me' "$(curl -s "$base/")"
b config set web.hostname mail.example.org >/dev/null
b config set login.remember_me off >/dev/null
b config export "$WORK/b.cfg" 2>/dev/null
out=$(admin config import "$WORK/b.cfg" 2>&1)
expect_match "import into the running A is applied" 'applied \(version [0-9]+\)' "$out"
page=$(curl -s "$base/")
expect_match "A serves the imported host name" 'class="host">mail.example.org<' "$page"
expect_no_match "A no longer offers Remember me" 'Remember me' "$page"
expect_match "the daemon applied the latest version" \
	"version $(version_of "$WEBMSG_CONFIG") applied" "$(admin service status)"
finish
