#!/usr/bin/env bash
# Conversations on the IMAP mail store, against a real Dovecot: the server
# threads (UID THREAD), a reply and its original are one conversation of two
# (its row the newest message, its senders newest first, read only when all
# of it is), conversations sorted and paged as the list is, one
# conversation's messages oldest first, and a reply that comes while the
# connection is kept joins its conversation on the next list. A fake server
# whose THREAD answer is hostile (garbage, lists never closed, numbers past
# 32 bits, nesting a million deep) gives a clear error or a sane answer,
# never a crash; one without THREAD lists single messages.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"
CHECK="$WEBMSG_BIN/imap-store-check"

dovecot_user alice 'secret pass'
check "Dovecot starts" dovecot_start || finish
S="127.0.0.1:$DOVECOT_IMAPS_PORT"
store() { "$CHECK" "$S" implicit "$DOVECOT_CA" alice 'secret pass' 20 "$@"; }

msg() { # DATE FROM SUBJECT MESSAGE-ID [REFERENCES]
	printf 'Date: %s\r\nFrom: %s\r\nTo: alice@example.org\r\nSubject: %s\r\nMessage-ID: <%s>\r\n' \
		"$1" "$2" "$3" "$4"
	[ -z "${5:-}" ] || printf 'In-Reply-To: <%s>\r\nReferences: <%s>\r\n' "$5" "$5"
	printf '\r\nbody of %s\r\n' "$3"
}
seed() { msg "$@" | dovecot_adm save -u alice -m INBOX; }
seed "Mon, 1 Jan 2024 10:00:00 +0000" "Alice <alice@example.org>" "Plans" "plans@t"
seed "Tue, 2 Jan 2024 10:00:00 +0000" "Dave <dave@example.org>" "Hello" "hello@t"
seed "Wed, 3 Jan 2024 10:00:00 +0000" "Carol <carol@example.org>" "Re: Plans" "re-plans@t" "plans@t"
# The same subject, no reference: not the same conversation (REFS joins
# by references only, as the Maildir store does).
seed "Thu, 4 Jan 2024 10:00:00 +0000" "Erin <erin@example.org>" "Re: Hello" "other@t"

subjects() { awk -F'\t' 'NR > 1 { print $5 }' <<<"$1" | tr '\n' ',' | sed 's/,$//'; }
out=$(store threads INBOX date 0 0 50)
echo "$out" | sed 's/^/#   /'
expect_match "four messages are three conversations" "^total 3" "$out"
expect_eq "newest first, each by its newest message" "Re: Hello,Re: Plans,Hello" "$(subjects "$out")"
row=$(grep $'\tRe: Plans\t' <<<"$out")
expect_match "the reply and its original: one conversation of two" 'conversation [1-9][0-9]* of 2$' "$row"
expect_match "its senders, newest first" $'\tCarol, Alice <carol@example.org>\t' "$row"
expect_match "unread while any of it is" $'\tRe: Plans\t-\t' "$row"
expect_match "a message alone: a conversation of one" 'conversation [1-9][0-9]* of 1$' \
	"$(grep $'\tHello\t' <<<"$out")"
conv=$(sed 's/.*conversation \([0-9]*\) of 2$/\1/' <<<"$row")

out=$(store thread INBOX "$conv")
expect_match "the conversation's messages" "^total 2" "$out"
expect_eq "... oldest first" "Plans,Re: Plans" "$(subjects "$out")"
out=$(store thread INBOX 99999)
expect_eq "a conversation not there: none" "total 0" "$out"

reply=$(store thread INBOX "$conv" | awk -F'\t' '$5 == "Re: Plans" { print $1 }')
check "read the reply" store flags INBOX "$reply" S ""
expect_match "one of it still unread: the conversation too" $'\tRe: Plans\t-\t' \
	"$(store threads INBOX date 0 0 50)"
first=$(store thread INBOX "$conv" | awk -F'\t' '$5 == "Plans" { print $1 }')
check "read the original" store flags INBOX "$first" S ""
expect_match "all of it read: the conversation too" $'\tRe: Plans\tS\t' \
	"$(store threads INBOX date 0 0 50)"

out=$(store threads INBOX date 1 0 50)
expect_eq "oldest first" "Hello,Re: Plans,Re: Hello" "$(subjects "$out")"
out=$(store threads INBOX subject 1 0 50)
expect_eq "by the subject of each one's newest message" "Hello,Re: Hello,Re: Plans" \
	"$(subjects "$out")"
out=$(store threads INBOX date 0 1 1)
expect_eq "a page of one, the second" "Re: Plans" "$(subjects "$out")"
expect_match "a page still knows the number of conversations" "^total 3" "$out"
out=$(store threads INBOX date 0 3 50)
expect_eq "past the end: an empty page" "total 3" "$out"

# Kept on the connection: a reply that comes meanwhile joins on the next list.
rm -f "$WORK/relist.in"
mkfifo "$WORK/relist.in"
store rethreads INBOX date 0 0 50 <"$WORK/relist.in" >"$WORK/relist.out" &
lister=$!
exec 3>"$WORK/relist.in"
wait_for 20 grep -q '^again?$' "$WORK/relist.out"
seed "Fri, 5 Jan 2024 10:00:00 +0000" "Frank <frank@example.org>" "Re: Hello again" "again@t" "hello@t"
echo >&3
exec 3>&-
wait "$lister"
second=$(sed '1,/^again?$/d' "$WORK/relist.out")
expect_eq "the reply joins its conversation, now the newest" "Re: Hello again,Re: Hello,Re: Plans" \
	"$(subjects "$second")"
expect_match "... a conversation of two" $'\tRe: Hello again\t.*conversation [1-9][0-9]* of 2$' "$second"

# --- a server whose THREAD answer is hostile
fake() { # PORT ANSWER-KIND
	python3 - "$1" "$2" <<'EOF' &
import socket, sys
port, kind = int(sys.argv[1]), sys.argv[2]
caps = b"IMAP4rev1 SORT UIDPLUS SPECIAL-USE" + (b"" if kind == "none" else b" THREAD=REFS")
answers = {
    "garbage": b"* THREAD (1 2)(3 \x00\xff {5}\r\n",
    "open": b"* THREAD " + b"(" * 1000000 + b"1\r\n",
    "huge": b"* THREAD (99999999999)\r\n",
    "zero": b"* THREAD (0)\r\n",
    "empty": b"* THREAD (1)()\r\n",
    "plain": b"* THREAD (1)(2)(3)\r\n",
    "deep": b"* THREAD (3)(2)" + b"(" * 1000000 + b"1" + b")" * 1000000 + b"\r\n",
}
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen(4); s.settimeout(60)
def serve(c):
    f = c.makefile("rb")
    c.sendall(b"* OK [CAPABILITY " + caps + b"] fake\r\n")
    while True:
        line = f.readline()
        if not line:
            return
        tag, _, rest = line.strip().partition(b" ")
        cmd = rest.upper()
        out = b""
        if cmd.startswith(b"LOGIN"):
            out = tag + b" OK [CAPABILITY " + caps + b"] in\r\n"
        elif cmd.startswith(b"LIST"):
            out = (b'* LIST () "." INBOX\r\n* LIST (\\Sent) "." Sent\r\n'
                   b'* LIST (\\Drafts) "." Drafts\r\n* LIST (\\Trash) "." Trash\r\n')
        elif cmd.startswith(b"SELECT"):
            out = b"* 3 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n* OK [UIDNEXT 4] n\r\n"
            out += tag + b" OK [READ-WRITE] selected\r\n"
            c.sendall(out)
            continue
        elif cmd.startswith(b"UID THREAD"):
            out = answers.get(kind, tag + b" BAD not offered\r\n")
        elif cmd.startswith(b"UID SORT"):
            out = b"* SORT 3 2 1\r\n"
        elif cmd.startswith(b"LOGOUT"):
            c.sendall(b"* BYE bye\r\n" + tag + b" OK out\r\n")
            return
        if not out.startswith(tag + b" "):
            out += tag + b" OK done\r\n"
        c.sendall(out)
# The test's probe of the port comes first and says nothing: serve each.
while True:
    try:
        c, _ = s.accept()
    except socket.timeout:
        break
    c.settimeout(30)
    try:
        serve(c)
    except OSError:
        pass
    c.close()
EOF
	FAKE=$!
	wait_for 10 port_open "$1"
}
for kind in garbage open huge zero empty; do
	port=$(free_port)
	fake "$port" $kind || fail "the fake server ($kind) listens"
	start=$(date +%s)
	out=$("$CHECK" "127.0.0.1:$port" none "" alice 'secret pass' 5 threads INBOX date 0 0 50)
	rc=$?
	took=$(($(date +%s) - start))
	expect_eq "($kind) an error, not a crash" 1 "$rc"
	expect_match "($kind) it says the answer was not IMAP" "answered something that is not IMAP when asked to thread the folder" "$out"
	[ "$took" -le 15 ] && pass "($kind) within the timeout (${took}s)" || fail "($kind) took ${took}s"
	kill "$FAKE" 2>/dev/null
	wait "$FAKE" 2>/dev/null
done
# Nesting a million deep, closed: read without recursion, a sane answer.
port=$(free_port)
fake "$port" deep || fail "the fake server (deep) listens"
out=$("$CHECK" "127.0.0.1:$port" none "" alice 'secret pass' 5 threads INBOX date 0 0 50)
expect_eq "(deep) answered, no crash" 0 "$?"
expect_match "(deep) three conversations" "^total 3" "$out"
kill "$FAKE" 2>/dev/null
wait "$FAKE" 2>/dev/null
# A server without THREAD: single messages, nothing threaded here.
port=$(free_port)
fake "$port" none || fail "the fake server (no THREAD) listens"
out=$("$CHECK" "127.0.0.1:$port" none "" alice 'secret pass' 5 threads INBOX date 0 0 50)
expect_eq "(no THREAD) answered, without asking for THREAD" 0 "$?"
expect_match "(no THREAD) the folder's three messages" "^total 3" "$out"
kill "$FAKE" 2>/dev/null

finish
