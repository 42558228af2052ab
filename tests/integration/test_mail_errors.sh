#!/usr/bin/env bash
# What a user is shown when the mail store fails: a short reason and an
# incident id, the details (paths, causes) only in the log; a file name in
# the mail index is never a path; a From that is no address shows its text.
. "$(dirname "$0")/lib.sh"
new_instance
add_user ann@example.org 'Ann-pass-1'
add_user bob@example.org 'Bob-pass-2'
admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"
root=$WORK/mail/example.org

# Bob's mailbox cannot be made: his folder is a file.
mkdir -p "$root"
printf 'not a folder\n' > "$root/bob"
logon "$WORK/jb" "$base" bob@example.org Bob-pass-2 >/dev/null
page=$(curl -s -w '\n%{http_code}' -b "$WORK/jb" "$base/mail")
expect_eq "a mailbox that fails answers 500" 500 "${page##*$'\n'}"
expect_match "with a short reason" 'Your mailbox cannot be read just now' "$page"
incident=$(printf '%s' "$page" | grep -o 'incident number [0-9a-f]*' | awk '{ print $3 }')
check "and an incident id" test "${#incident}" -eq 12
expect_no_match "the page names no path" "$WORK|/bob|Not a directory" "$page"
expect_match "the log has the details under that id" \
	"incident $incident: .*$root/bob.*Not a directory" "$(cat "$WORK/webmsgd.log")"

# A file name in the index is a cache another program can write: never a path.
logon "$WORK/ja" "$base" ann@example.org Ann-pass-1 >/dev/null
box=$root/ann
expect_eq "ann's mailbox opens" 200 "$(http_code -b "$WORK/ja" "$base/mail")"

# Mail to bob, whose mailbox cannot be made: the form comes back with a reason
# and an incident id, not the path.
csrf=$(csrf_of <(curl -s -b "$WORK/ja" "$base/mail"))
sent=$(curl -s -b "$WORK/ja" -F "csrf=$csrf" -F "to=bob@example.org" -F "subject=Hi" \
	-F "body=Hello Bob" "$base/mail/send")
expect_match "a delivery that fails on the server says so" \
	'could not be delivered to bob@example.org just now \(incident number [0-9a-f]{12}\)' "$sent"
expect_no_match "and names no path" "$WORK|Not a directory" "$sent"
printf 'From: Carol <carol@example.org>\r\nSubject: Plain\r\n\r\nThe real message.\r\n' > "$box/new/1772445600.real.mx"
expect_match "the message is listed" 'Plain' "$(curl -s -b "$WORK/ja" "$base/mail")"
for bad in '../../../../../../etc/passwd' 'cur/../../../../../../etc/passwd' '..'; do
	sqlite3 "$box/.webmsg-index.sqlite" \
		"UPDATE messages SET filename = '$bad' WHERE id = '1772445600.real.mx'"
	read=$(curl -s -b "$WORK/ja" "$base/mail/read?f=INBOX&id=1772445600.real.mx")
	expect_no_match "a file name '$bad' in the index is not followed" 'root:x?:0:0' "$read"
	expect_match "the message itself opens" 'The real message' "$read"
done

# A From that is no address: its text, escaped, rather than nothing.
printf 'From: ;;; <b>not an address</b>\r\nSubject: Odd sender\r\n\r\nBody.\r\n' > "$box/new/1772445660.odd.mx"
list=$(curl -s -b "$WORK/ja" "$base/mail")
expect_match "the list shows the From text, escaped" ';;; &lt;b&gt;not an address' "$list"
read=$(curl -s -b "$WORK/ja" "$base/mail/read?f=INBOX&id=1772445660.odd.mx")
expect_match "so does the message" ';;; &lt;b&gt;not an address' "$read"
expect_no_match "never as markup" '<b>not an address' "$read$list"

# What the user asked for and cannot have is said as it is.
csrf=$(csrf_of <(curl -s -b "$WORK/ja" "$base/mail"))
curl -s -o /dev/null -b "$WORK/ja" --data-urlencode "csrf=$csrf" --data 'op=create&name=Work' "$base/mail/folder"
page=$(curl -s -w '\n%{http_code}' -b "$WORK/ja" --data-urlencode "csrf=$csrf" --data 'op=create&name=Work' "$base/mail/folder")
expect_eq "a folder name taken is the user's error" 400 "${page##*$'\n'}"
expect_match "and says so" "a folder named .*Work.* already exists" "$page"
expect_eq "a message that is not there is 404" 404 \
	"$(http_code -b "$WORK/ja" "$base/mail/read?f=INBOX&id=1772445999.gone.mx")"
expect_eq "so is a folder that is not there" 404 "$(http_code -b "$WORK/ja" "$base/mail?f=Nowhere")"
finish
