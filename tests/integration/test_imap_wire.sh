#!/usr/bin/env bash
# What one page costs on the wire with mail.store imap: a counting proxy
# between webmsgd and a real Dovecot (plain IMAP on loopback) logs every
# command webmsgd sends. A warm list page (the session's connection kept)
# asks the folder list and each folder's counts once, opens its folder at
# most once and never asks the capabilities again; a message page the same,
# and reads the message's structure once (not again for its text part). The
# first page on a new connection lists the folders once too (the logon's
# discovery answer serves it) and asks no capabilities Dovecot announced; a
# search of every folder lists them once too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"

PASSWORD='Wire pass 5'
dovecot_user alice "$PASSWORD"
check "Dovecot starts" dovecot_start || finish
for i in 1 2 3; do
	printf 'Date: Mon, 1 Jan 2024 10:0%s:00 +0000\r\nFrom: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: Wire test %s\r\nMessage-ID: <wire-%s@test>\r\n\r\nbody %s\r\n' \
		"$i" "$i" "$i" "$i" | dovecot_adm save -u alice -m INBOX
done
printf 'Date: Mon, 1 Jan 2024 11:00:00 +0000\r\nFrom: Carol <carol@example.org>\r\nTo: alice@example.org\r\nSubject: Re: Wire test 1\r\nMessage-ID: <wire-r@test>\r\nIn-Reply-To: <wire-1@test>\r\nReferences: <wire-1@test>\r\n\r\nreply\r\n' |
	dovecot_adm save -u alice -m INBOX
dovecot_adm mailbox create -u alice Work >/dev/null

PROXY_PORT=$(free_port)
WIRE="$WORK/wire.log"
: >"$WIRE"
python3 "$(dirname "$0")/imap_count_proxy.py" "$PROXY_PORT" "$DOVECOT_IMAP_PORT" "$WIRE" &
PROXY_PID=$!
trap 'kill "$PROXY_PID" 2>/dev/null; dovecot_stop; cleanup' EXIT
wait_for 10 port_open "$PROXY_PORT"

new_instance
dovecot_use_store -s "127.0.0.1:$PROXY_PORT" -t 10 none ||
	{ fail "configure mail.store imap"; finish; }
admin service start >/dev/null || { fail "webmsgd starts"; finish; }
base="http://127.0.0.1:$HTTP_PORT"

# mark: from here on; since: the names of the commands sent since the mark;
# show: them with their arguments, for the test's log; count [COMMAND]: how
# many (all, or those of that name).
mark() { MARK=$(wc -l <"$WIRE"); }
since() { tail -n +"$((MARK + 1))" "$WIRE" | cut -d' ' -f2- | cut -f1; }
show() { tail -n +"$((MARK + 1))" "$WIRE" | sed 's/^/#   /'; }
count() { if [ $# -eq 0 ]; then since | wc -l; else since | grep -cx "$1" || true; fi; }

out=$(logon "$WORK/a" "$base" alice "$PASSWORD")
expect_eq "alice logs on through the proxy" "303 $base/mail" "$out"
mark
page=$(curl -s -b "$WORK/a" "$base/mail")
expect_match "the first list page shows her mail" "Wire test 3" "$page"
echo "# the first list page (a new connection) sends:"; show
expect_eq "it logs on once" 1 "$(count LOGIN)"
expect_eq "it lists the folders once (the logon's LIST serves the page)" 1 "$(count LIST)"
expect_eq "it asks no capabilities (Dovecot announces them)" 0 "$(count CAPABILITY)"
url=$(grep -o '<a href="[^"]*">Wire test 2' <<<"$page" | sed 's/<a href="//; s/".*//; s/&amp;/\&/g')
check "it links the message" test -n "$url"
# Warm: the connection is kept and its folder known. Read it once first.
curl -s -o /dev/null -b "$WORK/a" "$base$url"

folders=$(dovecot_adm mailbox list -u alice | wc -l)

mark
page=$(curl -s -b "$WORK/a" -w '\n%{http_code}' "$base/mail")
expect_eq "a warm list page answers" 200 "$(tail -n1 <<<"$page")"
expect_match "with the messages" "Wire test 1" "$page"
echo "# a warm list page sends:"; show
expect_eq "it lists the folders once" 1 "$(count LIST)"
expect_eq "it does not sort the folder again (its order is kept)" 0 "$(count 'UID SORT')"
expect_eq "it asks each folder's counts once ($folders folders)" "$folders" "$(count STATUS)"
check "it opens the folder at most once" test "$(count SELECT)" -le 1
expect_eq "it asks no capabilities on the kept connection" 0 "$(count CAPABILITY)"
expect_eq "it logs on no more" 0 "$(count LOGIN)"
# The user's settings (messages per page, time zone) are the server's
# METADATA: read once a page, so that another front end's change shows.
expect_eq "it reads the user's settings once" 1 "$(count GETMETADATA)"
check "at most $((folders + 5)) commands in all" test "$(count)" -le $((folders + 5))

mark
message=$(curl -s -b "$WORK/a" -w '\n%{http_code}' "$base$url")
expect_eq "a warm message page answers" 200 "$(tail -n1 <<<"$message")"
expect_match "with the message's text" 'class="body">body 2' "$message"
echo "# a warm message page sends:"; show
check "it lists the folders at most once" test "$(count LIST)" -le 1
check "it asks each folder's counts at most once" test "$(count STATUS)" -le "$folders"
check "it opens the folder at most once" test "$(count SELECT)" -le 1
expect_eq "it asks no capabilities on the kept connection" 0 "$(count CAPABILITY)"
expect_eq "it checks the kept connection once" 1 "$(count NOOP)"
expect_eq "it reads the message's structure once" 1 \
	"$(tail -n +"$((MARK + 1))" "$WIRE" | grep -c 'BODYSTRUCTURE' || true)"
check "at most $((folders + 8)) commands in all" test "$(count)" -le $((folders + 8))

# Conversations: the server threads the folder (one UID THREAD), once; a
# warm page of them asks no THREAD or SORT again and fetches only its rows.
mark
page=$(curl -s -b "$WORK/a" -w '\n%{http_code}' "$base/mail?f=INBOX&c=1")
expect_eq "the first conversation page answers" 200 "$(tail -n1 <<<"$page")"
expect_match "with the conversations" "Wire test 3" "$page"
echo "# the first conversation page sends:"; show
expect_eq "it threads the folder once" 1 "$(count 'UID THREAD')"
mark
page=$(curl -s -b "$WORK/a" -w '\n%{http_code}' "$base/mail?f=INBOX&c=1")
expect_eq "a warm conversation page answers" 200 "$(tail -n1 <<<"$page")"
expect_match "with the conversations" "Wire test 1" "$page"
echo "# a warm conversation page sends:"; show
expect_eq "it does not thread the folder again (its threads are kept)" 0 "$(count 'UID THREAD')"
expect_eq "it does not sort the folder again" 0 "$(count 'UID SORT')"
expect_eq "it fetches its rows once" 1 "$(count 'UID FETCH')"
check "it opens the folder at most once" test "$(count SELECT)" -le 1
check "at most $((folders + 5)) commands in all" test "$(count)" -le $((folders + 5))
conv=$(grep -o 'href="[^"]*t=[0-9]*[^"]*"' <<<"$page" | head -1 | sed 's/href="//; s/"$//; s/&amp;/\&/g')
if [ -n "$conv" ]; then
	mark
	out=$(curl -s -b "$WORK/a" -w '\n%{http_code}' "$base$conv")
	expect_eq "a warm page of one conversation answers" 200 "$(tail -n1 <<<"$out")"
	echo "# a warm page of one conversation sends:"; show
	expect_eq "it does not thread the folder again" 0 "$(count 'UID THREAD')"
fi

mark
found=$(curl -s -b "$WORK/a" -w '\n%{http_code}' "$base/mail?q=Wire&all=1")
expect_eq "a search of every folder answers" 200 "$(tail -n1 <<<"$found")"
expect_match "with the messages found" "Wire test 3" "$found"
echo "# a search of every folder sends:"; show
expect_eq "it lists the folders once (the search takes the page's list)" 1 "$(count LIST)"
expect_eq "it asks each folder's counts once" "$folders" "$(count STATUS)"
expect_eq "it searches each folder once" "$folders" "$(count 'UID SEARCH')"

finish
