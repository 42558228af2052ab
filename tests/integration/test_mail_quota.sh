#!/usr/bin/env bash
# mail.quota_mb: one message to several local users fills no mailbox past
# its limit; the sender is told whose mailbox is full; the counts are kept
# in Maildir++ maildirsize files as Postfix and Dovecot keep them.
. "$(dirname "$0")/lib.sh"
new_instance
for u in ann bob carol dave; do add_user "$u@example.org" "Pass-$u-1"; done
admin config set mail.quota_mb 1 >/dev/null
admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"
jar=$WORK/jar
maildir=$WORK/mail/example.org
limit=1048576

logon "$jar" "$base" ann@example.org Pass-ann-1 >/dev/null
csrf=$(csrf_of <(curl -s -b "$jar" "$base/mail/compose"))
send() { curl -s -b "$jar" -F "csrf=$csrf" "$@" -o "$WORK/sent.html" -w '%{http_code} %{redirect_url}' "$base/mail/send"; }
# The bytes of mail in a Maildir, every folder counted.
mail_bytes() {
	find "$maildir/$1" \( -path '*/cur/*' -o -path '*/new/*' \) -type f -printf '%s\n' 2>/dev/null |
		awk '{ n += $1 } END { print n + 0 }'
}

head -c 600000 /dev/urandom > "$WORK/big.bin"
head -c 300000 /dev/urandom > "$WORK/medium.bin"

out=$(send -F "to=carol@example.org" -F "subject=Big one" -F "body=Most of your room" \
	-F "attachment=@$WORK/big.bin;filename=big.bin")
expect_eq "a message within the limit is delivered" "303 $base/mail?f=INBOX&n=sent" "$out"
carol_before=$(mail_bytes carol)
check "carol holds it" test "$carol_before" -gt 600000

out=$(send -F "to=bob@example.org, carol@example.org, dave@example.org" -F "subject=To three" \
	-F "body=One for each" -F "attachment=@$WORK/medium.bin;filename=medium.bin")
expect_eq "a message that would fill one mailbox past its limit is refused" 422 "${out%% *}"
page=$(cat "$WORK/sent.html")
expect_match "the sender is told whose mailbox is full, and how full" \
	'mailbox of carol@example.org is full: [0-9.]+ MB of 1 MB' "$page"
expect_no_match "the page names no path" "$WORK" "$page"
expect_eq "carol's mailbox did not grow" "$carol_before" "$(mail_bytes carol)"
for u in ann bob carol dave; do
	used=$(mail_bytes "$u")
	check "$u's mail stays within 1 MB ($used bytes)" test "$used" -le "$limit"
done

# The Sent and Drafts copies are checked the same way: ann's own copies of the
# big message and the refused one do not fit together.
check "ann's Sent holds the first message" bash -c "ls '$maildir/ann/.Sent/cur' | grep -q ."
expect_match "a copy that does not fit is refused and logged" \
	'mailbox of ann@example.org is full' "$(cat "$WORK/webmsgd.log")"

# maildirsize as Maildir++ has it: the limit, then "bytes count" lines.
size_file="$maildir/carol/maildirsize"
expect_eq "carol's maildirsize starts with the limit" "${limit}S" "$(head -1 "$size_file")"
sum=$(tail -n +2 "$size_file" | awk '{ b += $1 } END { print b + 0 }')
expect_eq "and its lines add up to what the Maildir holds" "$carol_before" "$sum"

# Carol deletes for good: her mailbox has room again, and the line is negative.
logon "$WORK/jc" "$base" carol@example.org Pass-carol-1 >/dev/null
ccsrf=$(csrf_of <(curl -s -b "$WORK/jc" "$base/mail"))
id=$(ls "$maildir/carol/new" | head -1)
curl -s -o /dev/null -b "$WORK/jc" --data-urlencode "csrf=$ccsrf" --data "op=delete&f=INBOX" \
	--data-urlencode "id=$id" "$base/mail/action"
curl -s -o /dev/null -b "$WORK/jc" --data-urlencode "csrf=$ccsrf" --data "op=delete&f=Trash" \
	--data-urlencode "id=$id" "$base/mail/action"
expect_match "deleting for good appends a negative line" '^-[0-9]+ -1$' "$(tail -1 "$size_file")"
out=$(send -F "to=carol@example.org" -F "subject=Fits again" -F "body=Room again")
expect_eq "then mail for her is delivered again" "303 $base/mail?f=INBOX&n=sent" "$out"

# No limit: nothing is refused, and no maildirsize is kept.
admin config set mail.quota_mb 0 >/dev/null
out=$(send -F "to=carol@example.org" -F "subject=Unlimited" -F "attachment=@$WORK/big.bin;filename=a.bin")
expect_eq "with mail.quota_mb 0 there is no limit" "303 $base/mail?f=INBOX&n=sent" "$out"
check "and no maildirsize goes stale" test ! -e "$size_file"
finish
