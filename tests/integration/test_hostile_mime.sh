#!/usr/bin/env bash
# A message nested 200,000 levels deep (14 MB; GMime took 4 s over it) is
# refused before it is parsed: its page says it is too complex to show, right
# away, and offers the file as it is; other pages answer meanwhile; ordinary
# mail in the same folder reads as before.
. "$(dirname "$0")/lib.sh"
new_instance
add_user bob@example.org 'Bob-pass-2'
admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"
jar=$WORK/jar
logon "$jar" "$base" bob@example.org Bob-pass-2 >/dev/null
curl -s -b "$jar" -o /dev/null "$base/mail" # makes the Maildir
new=$WORK/mail/example.org/bob/new
[ -d "$new" ] || { fail "bob's Maildir"; finish; }

# Delivered as an MTA does: written elsewhere, renamed into new/.
python3 - "$WORK/deep.eml" <<'PY'
import sys
depth = 200000
with open(sys.argv[1], "w") as f:
    f.write("From: deep@example.org\nSubject: Deep one\nMIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=\"b0\"\n\n")
    for i in range(depth):
        f.write("--b%d\nContent-Type: multipart/mixed; boundary=\"b%d\"\n\n" % (i, i + 1))
    f.write("--b%d\nContent-Type: text/plain\n\ntoo deep\n" % depth)
    for i in range(depth, -1, -1):
        f.write("--b%d--\n" % i)
PY
printf 'From: friend@example.org\nSubject: Plain one\n\nJust text.\n' >"$WORK/plain.eml"
cp "$WORK/deep.eml" "$WORK/deep.orig"
mv "$WORK/deep.eml" "$new/1700000001.deep.host"
mv "$WORK/plain.eml" "$new/1700000002.plain.host"

list=$(curl -s -b "$jar" "$base/mail?f=INBOX")
deep_url=$(printf '%s' "$list" | grep -o 'href="/mail/read[^"]*">Deep one' | sed 's/^href="//; s/">.*//; s/&amp;/\&/g')
plain_url=$(printf '%s' "$list" | grep -o 'href="/mail/read[^"]*">Plain one' | sed 's/^href="//; s/">.*//; s/&amp;/\&/g')
[ -n "$deep_url" ] && [ -n "$plain_url" ] || { fail "both messages are listed"; finish; }

# Three readers of the deep one at once, and the style sheet beside them.
for i in 1 2 3; do
	curl -s -m 20 -b "$jar" -o "$WORK/deep$i.html" -w '%{http_code}' "$base$deep_url" >"$WORK/deep$i.code" &
done
expect_eq "the style sheet answers while the deep message is asked for" 200 \
	"$(http_code -m 3 "$base/static/style.css")"
wait
expect_eq "the deep message's page answers" "200 200 200" \
	"$(cat "$WORK"/deep1.code) $(cat "$WORK"/deep2.code) $(cat "$WORK"/deep3.code)"
page=$(cat "$WORK/deep1.html")
expect_match "it says the message is too complex to show" 'too complex to show' "$page"
expect_match "and why" 'nested more than 64 levels deep' "$page"
expect_match "and offers the file as it is" 'href="/mail/part\?[^"]*n=0"[^>]*>message.eml' "$page"
expect_match "the message can still be deleted" 'value="delete"' "$page"
raw_url=$(printf '%s' "$page" | grep -o 'href="/mail/part?[^"]*n=0"' | sed 's/^href="//; s/"$//; s/&amp;/\&/g')
curl -s -b "$jar" -D "$WORK/raw.head" -o "$WORK/raw.eml" "$base$raw_url"
check "the download is the message, byte for byte" cmp -s "$WORK/raw.eml" "$WORK/deep.orig"
expect_match "as an attachment" 'filename="message.eml"' "$(cat "$WORK/raw.head")"
expect_match "reply and forward refuse it plainly" 'too complex to answer' \
	"$(curl -s -b "$jar" "$base${deep_url/\/mail\/read/\/mail\/compose}&mode=reply")"
expect_match "the plain message next to it reads as before" 'Just text.' \
	"$(curl -s -b "$jar" "$base$plain_url")"
finish
