# totp_lib.sh - helpers for the two-step verification tests (sourced after
# lib.sh): the settings form, RFC 6238 codes each used once, the code page.
# Needs base (the server's URL) and WORK.

# settings_post JAR FIELD...: posts the settings form with the session's token.
settings_post() {
	local jar=$1
	shift
	curl -s -b "$jar" -c "$jar" "$base/settings" -o "$WORK/settings.html"
	local args=(--data-urlencode "csrf=$(csrf_of "$WORK/settings.html")")
	for f in "$@"; do args+=(--data-urlencode "$f"); done
	curl -s -b "$jar" -c "$jar" "${args[@]}" -o "$WORK/answer.html" -w '%{http_code}' \
		"$base/settings"
}

# code_at SECRET STEP: the RFC 6238 code (HMAC-SHA1, 6 digits) of a time step.
code_at() {
	python3 - "$1" "$2" <<'PY'
import base64, hashlib, hmac, struct, sys
key = base64.b32decode(sys.argv[1] + "=" * (-len(sys.argv[1]) % 8))
mac = hmac.new(key, struct.pack(">Q", int(sys.argv[2])), hashlib.sha1).digest()
off = mac[-1] & 15
print("%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7fffffff) % 1000000))
PY
}

# fresh_code SECRET: a code the server takes now and has not seen: each step
# is used once, so the next one is the step after the last used, and never
# one behind the clock (a step boundary may pass before the server checks
# it; the server takes one step either side of its clock); waits (bounded)
# while that step is still too far ahead.
fresh_code() {
	local last now step
	last=$(cat "$WORK/totp-last-step" 2>/dev/null || echo 0)
	for _ in $(seq 1 80); do
		now=$(($(date +%s) / 30))
		step=$((last + 1 > now ? last + 1 : now))
		[ "$step" -le $((now + 1)) ] && break
		sleep 1
	done
	echo "$step" >"$WORK/totp-last-step"
	code_at "$1" "$step"
}

# totp_enrol JAR: sets up two-step verification in the session of JAR and
# prints the key.
totp_enrol() {
	local jar=$1 secret
	settings_post "$jar" op=totp_begin >/dev/null
	secret=$(grep -o 'id="totp-secret">[A-Z2-7]*<' "$WORK/answer.html" | sed 's/.*>//; s/<$//')
	settings_post "$jar" op=totp_confirm "code=$(fresh_code "$secret")" "secret=$secret" >/dev/null
	grep -q 'id="recovery-codes"><li>' "$WORK/answer.html" && echo "$secret"
}

# code_logon JAR CODE: answers the code page in $WORK/logon-answer.html;
# prints the status and where it leads.
code_logon() {
	local jar=$1 page=$WORK/logon-answer.html
	local token
	token=$(grep -o 'name="totp_token" value="[^"]*"' "$page" | sed 's/.*value="//; s/"$//')
	curl -s -b "$jar" -c "$jar" --data-urlencode "csrf=$(csrf_of "$page")" \
		--data-urlencode "totp_token=$token" --data-urlencode "code=$2" \
		--data-urlencode "remember=$(grep -o 'name="remember" value="[^"]*"' "$page" |
			sed 's/.*value="//; s/"$//')" \
		-o "$WORK/code-answer.html" -w '%{http_code} %{redirect_url}' "$base/logon"
}
