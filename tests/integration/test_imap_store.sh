#!/usr/bin/env bash
# The IMAP mail store against a real Dovecot: logon over implicit TLS,
# STARTTLS and (loopback) plain, certificates checked, each operation of
# mailstore.h with its effect checked from Dovecot's side (doveadm), paging
# and sorting of a known set of messages both with the server's SORT and
# sorted here; and servers that stall or answer garbage give a clear error
# within the timeout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dovecot.sh"
CHECK="$WEBMSG_BIN/imap-store-check"

dovecot_user alice 'secret pass'
check "Dovecot starts" dovecot_start || finish

S="127.0.0.1:$DOVECOT_IMAPS_PORT"
# store COMMAND ARGS...: one call as alice over implicit TLS.
store() { "$CHECK" "$S" implicit "$DOVECOT_CA" alice 'secret pass' 20 "$@"; }

# --- connections and logon
out=$(store open)
expect_eq "implicit TLS with the CA file: logged on" opened "$out"
out=$("$CHECK" "127.0.0.1:$DOVECOT_IMAP_PORT" starttls "$DOVECOT_CA" alice 'secret pass' 20 open)
expect_eq "STARTTLS with the CA file: logged on" opened "$out"
out=$("$CHECK" "127.0.0.1:$DOVECOT_IMAP_PORT" none "" alice 'secret pass' 20 open)
expect_eq "no TLS on loopback: logged on" opened "$out"
out=$("$CHECK" "$S" implicit "$DOVECOT_CA" alice wrong 20 open)
expect_eq "a wrong password is a refusal" 2 "$?"
expect_match "the refusal says so" "refused the user name or password" "$out"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=other \
	-keyout "$WORK/other.key" -out "$WORK/other.pem" 2>/dev/null
out=$("$CHECK" "$S" implicit "$WORK/other.pem" alice 'secret pass' 20 open)
expect_match "a certificate the CA file does not vouch for: refused" \
	"certificate is not trusted" "$out"
out=$("$CHECK" "127.0.0.1:$DOVECOT_IMAP_PORT" starttls "$WORK/other.pem" alice 'secret pass' 20 open)
expect_match "the same after STARTTLS" "certificate is not trusted" "$out"
out=$("$CHECK" "$S" implicit "" alice 'secret pass' 20 open)
expect_match "a self-signed certificate is not in the system's store" \
	"certificate is not trusted" "$out"
out=$("$CHECK" "192.0.2.1:143" none "" alice 'secret pass' 20 open)
expect_match "no TLS to another machine: refused before connecting" "needs TLS" "$out"
closed=$(free_port)
out=$("$CHECK" "127.0.0.1:$closed" implicit "$DOVECOT_CA" alice 'secret pass' 20 open)
expect_match "a closed port: not reachable" "the mail server is not reachable.*refused" "$out"

# --- folders: the special ones exist (Dovecot's SPECIAL-USE), counts
out=$(store folders)
expect_eq "the special folders, in order" "INBOX Drafts Sent Trash" \
	"$(cut -f1 <<<"$out" | tr '\n' ' ' | sed 's/ $//')"

# --- a known set of messages, put in by Dovecot itself
msg() { # DATE FROM SUBJECT BODY
	printf 'Date: %s\r\nFrom: %s\r\nTo: Bob <bob@example.org>, carol@example.org\r\nSubject: %s\r\nMessage-ID: <%s@test>\r\n\r\n%s\r\n' \
		"$1" "$2" "$3" "$RANDOM$RANDOM" "$4"
}
seed() { msg "$@" | dovecot_adm save -u alice -m INBOX; }
seed "Wed, 3 Jan 2024 10:00:00 +0000" "Carol <carol@example.org>" "Budget" "quarterly numbers"
seed "Mon, 1 Jan 2024 10:00:00 +0000" "alice@example.org" "Apples" "fruit basket"
seed "Fri, 5 Jan 2024 10:00:00 +0100" "=?UTF-8?B?w4lsb2RpZQ==?= <elodie@example.org>" \
	"=?UTF-8?Q?Caf=C3=A9?=" "zebra crossing"
seed "Tue, 2 Jan 2024 10:00:00 +0000" "Bob <bob@example.org>" "Dinner" "zebra stripes"
seed "Thu, 4 Jan 2024 10:00:00 +0000" "Dave <dave@example.org>" "Ergonomics" "chairs"
expect_eq "five messages in Dovecot's INBOX" 5 \
	"$(dovecot_adm search -u alice mailbox INBOX ALL 2>/dev/null | wc -l)"

subjects() { awk -F'\t' 'NR > 1 { print $5 }' <<<"$1" | tr '\n' ',' | sed 's/,$//'; }
# Both ways of sorting: the server's SORT, and here (a server without it).
for mode in server here; do
	if [ $mode = here ]; then export IMAP_NO_SORT=1; else unset IMAP_NO_SORT; fi
	out=$(store list INBOX date 0 0 50)
	expect_match "($mode) the INBOX holds 5" "^total 5" "$out"
	expect_eq "($mode) newest first, by the Date header" \
		"Café,Ergonomics,Budget,Dinner,Apples" "$(subjects "$out")"
	out=$(store list INBOX date 0 1 2)
	expect_eq "($mode) a page: the 2nd and 3rd" "Ergonomics,Budget" "$(subjects "$out")"
	expect_match "($mode) a page still knows the total" "^total 5" "$out"
	out=$(store list INBOX date 1 0 50)
	expect_eq "($mode) oldest first" "Apples,Dinner,Budget,Ergonomics,Café" "$(subjects "$out")"
	out=$(store list INBOX subject 1 0 50)
	expect_eq "($mode) by subject" "Apples,Budget,Café,Dinner,Ergonomics" "$(subjects "$out")"
	out=$(store list INBOX from 1 0 50)
	expect_eq "($mode) by sender" "Apples,Dinner,Budget,Ergonomics,Café" "$(subjects "$out")"
	out=$(store list INBOX date 0 5 50)
	expect_eq "($mode) past the end: an empty page" "total 5" "$out"
done
unset IMAP_NO_SORT

# The folder's order is kept on the connection between pages: mail that
# comes, or comes while other mail goes (the count unchanged), shows on the
# next page all the same.
dovecot_adm mailbox create -u alice Kept 2>/dev/null
keep() { msg "$@" | dovecot_adm save -u alice -m Kept; }
keep "Mon, 1 Jan 2024 10:00:00 +0000" "a@example.org" "Old one" "x"
keep "Tue, 2 Jan 2024 10:00:00 +0000" "b@example.org" "Middle one" "x"
for mode in server here; do
	if [ $mode = here ]; then export IMAP_NO_SORT=1; else unset IMAP_NO_SORT; fi
	rm -f "$WORK/relist.in"
	mkfifo "$WORK/relist.in"
	store relist Kept date 0 0 50 <"$WORK/relist.in" >"$WORK/relist.out" &
	lister=$!
	exec 3>"$WORK/relist.in"
	wait_for 20 grep -q '^again?$' "$WORK/relist.out"
	first=$(sed '/^again?$/q' "$WORK/relist.out")
	expect_eq "($mode) first list: two" "Middle one,Old one" "$(subjects "$(grep -v '^again?$' <<<"$first")")"
	dovecot_adm expunge -u alice mailbox Kept header Subject "Old one" 2>/dev/null
	keep "Wed, 3 Jan 2024 10:00:00 +0000" "c@example.org" "New one $mode" "x"
	echo >&3
	exec 3>&-
	wait "$lister"
	second=$(sed '1,/^again?$/d' "$WORK/relist.out")
	expect_eq "($mode) one gone, one come: the next list has both changes" \
		"New one $mode,Middle one" "$(subjects "$second")"
	keep "Mon, 1 Jan 2024 10:00:00 +0000" "a@example.org" "Old one" "x"
	dovecot_adm expunge -u alice mailbox Kept header Subject "New one" 2>/dev/null
done
unset IMAP_NO_SORT
dovecot_adm mailbox delete -u alice -s Kept 2>/dev/null

out=$(store list INBOX date 0 0 1)
line=$(sed -n 2p <<<"$out")
expect_match "the sender's name decoded (RFC 2047), with the address" \
	$'\tÉlodie <elodie@example.org>\t' "$line"
expect_match "the first recipient and how many more" $'\tBob \\+ 1\t' "$line"
expect_match "the date in UTC from the Date header's zone" $'\t2024-01-05T09:00:00Z\t' "$line"
cafe=$(cut -f1 <<<"$line")
expect_match "ids are UIDs" '^[1-9][0-9]*$' "$cafe"

out=$(store summary INBOX "$cafe")
expect_match "summary of one message" $'\tCafé\t-\t' "$out"
out=$(store summary INBOX 999)
expect_eq "a UID not there: refused" 2 "$?"
expect_match "... as no such message" "no such message" "$out"
out=$(store summary INBOX 12abc)
expect_eq "an id that is not a UID: refused" 2 "$?"

# --- flags
check "set Seen and Flagged" store flags INBOX "$cafe" SF ""
expect_match "Dovecot has them" 'Seen.*Flagged|Flagged.*Seen' \
	"$(dovecot_adm fetch -u alice flags mailbox INBOX uid "$cafe" 2>/dev/null)"
out=$(store folders)
expect_match "INBOX: 5 messages, 4 unread" $'^INBOX\t5\t4\t1' "$out"
check "clear Flagged" store flags INBOX "$cafe" "" F
expect_no_match "Dovecot has Flagged no more" 'Flagged' \
	"$(dovecot_adm fetch -u alice flags mailbox INBOX uid "$cafe" 2>/dev/null)"

# --- search: words in the body, the subject or the sender; one folder or all
out=$(store search INBOX date zebra)
expect_eq "search one folder: two with the word" "Café,Dinner" "$(subjects "$out")"
out=$(store search - date "zebra crossing")
expect_eq "search every folder: all words" "Café" "$(subjects "$out")"
expect_match "a result says its folder" $'\tINBOX$' "$out"
out=$(store search INBOX date nothingmatchesthis)
expect_eq "no match: none" "total 0" "$out"

# --- move, delete
check "move a message to Trash" store move INBOX "$cafe" Trash
expect_eq "Dovecot: Trash holds it" 1 \
	"$(dovecot_adm search -u alice mailbox Trash ALL 2>/dev/null | wc -l)"
expect_match "INBOX: 4 left" "^total 4" "$(store list INBOX date 0 0 50)"
out=$(store move INBOX "$cafe" Trash)
expect_eq "moving it again from where it was: refused" 2 "$?"
out=$(store move INBOX "$(store list INBOX date 0 0 1 | sed -n 2p | cut -f1)" Nowhere)
expect_eq "moving to a folder that does not exist: refused" 2 "$?"
expect_match "... saying so" "no folder named" "$out"
trashed=$(store list Trash date 0 0 1 | sed -n 2p | cut -f1)
check "delete it from Trash for good" store delete Trash "$trashed"
expect_eq "Dovecot: Trash is empty" 0 \
	"$(dovecot_adm search -u alice mailbox Trash ALL 2>/dev/null | wc -l)"

# --- deliver (APPEND), with flags and the new UID back
msg "Sat, 6 Jan 2024 10:00:00 +0000" "Alice <alice@example.org>" "Sent note" "hello" >"$WORK/sent.eml"
out=$(store deliver Sent "$WORK/sent.eml" S)
expect_match "deliver to Sent gives the new id" '^id [1-9][0-9]*$' "$out"
expect_match "Dovecot: Sent holds it, seen" 'Seen' \
	"$(dovecot_adm fetch -u alice flags mailbox Sent ALL 2>/dev/null)"
expect_match "and lists it" $'\tSent note\tS\t' "$(store list Sent date 0 0 10)"

# --- folders: create, sub-folders, rename with them, delete to Trash, empty
check "create Work" store create Work
check "create Work.Old inside it" store create Work.Old
out=$(store create Work)
expect_eq "create it again: refused" 2 "$?"
out=$(store create Nope.Child)
expect_eq "a sub-folder of a folder that is not there: refused" 2 "$?"
expect_match "Dovecot has Work.Old" '^Work\.Old$' "$(dovecot_adm mailbox list -u alice 2>/dev/null)"
check "rename Work to Jobs" store rename Work Jobs
mailboxes=$(dovecot_adm mailbox list -u alice 2>/dev/null)
expect_match "Dovecot: Jobs.Old came with it" '^Jobs\.Old$' "$mailboxes"
expect_no_match "Dovecot: no Work left" '^Work' "$mailboxes"
expect_eq "the folder list in the tree's order" "INBOX Drafts Sent Trash Jobs Jobs.Old" \
	"$(store folders | cut -f1 | tr '\n' ' ' | sed 's/ $//')"
out=$(store rmdir Jobs)
expect_eq "a folder with sub-folders is not deleted" 2 "$?"
check "delete Jobs.Old" store rmdir Jobs.Old
first=$(store list INBOX date 0 0 1 | sed -n 2p | cut -f1)
check "move a message into Jobs" store move INBOX "$first" Jobs
check "delete Jobs" store rmdir Jobs
expect_eq "its message went to Trash" 1 \
	"$(dovecot_adm search -u alice mailbox Trash ALL 2>/dev/null | wc -l)"
out=$(store rename Trash Bin)
expect_eq "a special folder is not renamed" 2 "$?"
check "empty Trash" store empty Trash
expect_eq "Dovecot: Trash is empty" 0 \
	"$(dovecot_adm search -u alice mailbox Trash ALL 2>/dev/null | wc -l)"
out=$(store list Nowhere date 0 0 10)
expect_eq "listing a folder that is not there: refused" 2 "$?"

# --- reading a message: its structure, single parts, never the whole for a
# text part. A multipart message with a 3 MB attachment, put in by Dovecot.
python3 - "$WORK/big.eml" <<'EOF'
import base64, sys
blob = bytes((i * 7919) % 251 for i in range(3 * 1024 * 1024))
open(sys.argv[1] + ".bin", "wb").write(blob)
b64 = base64.encodebytes(blob).replace(b"\n", b"\r\n")
text = "Gr\u00fc\u00dfe aus K\u00f6ln\r\n".encode("iso-8859-1")
msg = (b"Date: Sun, 7 Jan 2024 10:00:00 +0000\r\nFrom: Ann <ann@example.org>\r\n"
       b"To: alice@example.org\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\nMessage-ID: <big@test>\r\n"
       b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
       b"--b1\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
       b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
       + text.replace(b"\xfc", b"=FC").replace(b"\xdf", b"=DF").replace(b"\xf6", b"=F6") +
       b"--b1\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\n"
       b"Content-Disposition: attachment; filename*=UTF-8''%C3%BCber.bin\r\n"
       b"Content-Transfer-Encoding: base64\r\n\r\n" + b64 + b"--b1--\r\n")
open(sys.argv[1], "wb").write(msg)
EOF
dovecot_adm save -u alice -m INBOX <"$WORK/big.eml"
big=$(dovecot_adm search -u alice mailbox INBOX header Message-ID big@test 2>/dev/null | awk '{print $2}')
expect_match "the big message is in Dovecot's INBOX" '^[1-9][0-9]*$' "$big"
out=$(store structure INBOX "$big")
expect_match "structure: the subject decoded" $'^subject\tGrüße$' "$out"
expect_match "structure: the text part, its charset and encoding" \
	$'^part\t1\ttext/plain\tiso-8859-1\t\tquoted-printable\t\t\t' "$out"
expect_match "structure: the attachment with its RFC 2231 file name" \
	$'^part\t2\tapplication/octet-stream\t\tattachment\tbase64\tüber.bin\t\t' "$out"
# Dovecot logs what each session sent, at its logout: a byte count.
logout_line() { # the first logout of alice after line $1 of the log, in $line
	line=$(tail -n +"$(($1 + 1))" "$DOVECOT_DIR/dovecot.log" | grep 'imap(alice).*Logged out' | head -1)
	[ -n "$line" ]
}
sent_bytes() { # out= of the first logout of alice after line $1 of the log
	local line
	wait_for 10 logout_line "$1" && sed -n 's/.* out=\([0-9]*\).*/\1/p' <<<"$line"
}
mark=$(wc -l <"$DOVECOT_DIR/dovecot.log")
out=$(store part INBOX "$big" 1 100000 "$WORK/text.out")
# (the line end before a boundary belongs to the boundary: RFC 2046)
expect_eq "the text part, decoded: its bytes" "bytes 14" "$out"
expect_eq "... in its own charset (ISO-8859-1), transfer encoding undone" \
	"$(printf 'Gr\xfc\xdfe aus K\xf6ln' | od -An -tx1)" "$(od -An -tx1 <"$WORK/text.out")"
sent=$(sent_bytes "$mark")
expect_match "Dovecot's logout line says what it sent" '^[0-9]+$' "$sent"
[ "${sent:-99999999}" -lt 200000 ] && pass "a text part: Dovecot sent ${sent} bytes, not the 4 MB message" \
	|| fail "a text part: Dovecot sent ${sent} bytes"
mark=$(wc -l <"$DOVECOT_DIR/dovecot.log")
out=$(store view INBOX "$big")
expect_match "the page's view: the text in UTF-8" $'^text\tGrüße aus Köln$' "$out"
expect_match "the page's view: the attachment with its name and size" \
	$'^attachment\t2\tüber.bin\tapplication/octet-stream\t3' "$out"
sent=$(sent_bytes "$mark")
[ "${sent:-99999999}" -lt 200000 ] && pass "the page's view: Dovecot sent ${sent} bytes" \
	|| fail "the page's view: Dovecot sent ${sent} bytes"
out=$(store attachment INBOX "$big" 2 $((4 << 20)) "$WORK/att.out")
expect_match "the attachment, decoded" "bytes 3145728" "$out"
check "... byte for byte" cmp -s "$WORK/big.eml.bin" "$WORK/att.out"
mark=$(wc -l <"$DOVECOT_DIR/dovecot.log")
out=$(store part INBOX "$big" 2 100000 "$WORK/no.out")
expect_eq "a part larger than the maximum: refused" 2 "$?"
expect_match "... saying so" "larger than 100000 bytes" "$out"
sent=$(sent_bytes "$mark")
[ "${sent:-99999999}" -lt 400000 ] && pass "... without reading it whole (${sent} bytes sent)" \
	|| fail "... Dovecot sent ${sent} bytes"
out=$(store part INBOX "$big" 3 100000 "$WORK/no.out")
expect_eq "a part that is not there: refused" 2 "$?"
out=$(store raw INBOX "$big" $((8 << 20)) "$WORK/raw.out")
expect_match "the whole message, for forwarding" "bytes $(wc -c <"$WORK/big.eml")" "$out"
out=$(store raw INBOX "$big" 1000 "$WORK/no.out")
expect_eq "the whole message beyond the maximum: refused" 2 "$?"
check "delete the big message" store delete INBOX "$big"

# --- folder names: UTF-8 here, modified UTF-7 on the wire (RFC 3501 5.1.3)
check "create a folder with umlauts" store create "Entwürfe alt"
check "... and one with '&'" store create "Tom & Jerry"
mailboxes=$(dovecot_adm mailbox list -u alice -7 2>/dev/null)
expect_match "Dovecot holds it in modified UTF-7" '^Entw&APw-rfe alt$' "$mailboxes"
expect_match "... and '&' as '&-'" '^Tom &- Jerry$' "$mailboxes"
dovecot_adm mailbox create -u alice "Café" 2>/dev/null
folders=$(store folders | cut -f1)
expect_match "a folder Dovecot made shows in UTF-8" '^Café$' "$folders"
expect_match "ours too" '^Entwürfe alt$' "$folders"
expect_match "... and '&'" '^Tom & Jerry$' "$folders"
check "rename a folder to a name with umlauts" store rename "Tom & Jerry" "Grüße"
expect_match "Dovecot has the new name" '^Gr&APwA3w-e$' "$(dovecot_adm mailbox list -u alice -7 2>/dev/null)"
for f in "Entwürfe alt" "Grüße" "Café"; do store rmdir "$f" >/dev/null || fail "delete $f"; done

# --- nothing a user sends reaches the wire as a command of its own
out=$(store list $'INBOX\r\nX1 DELETE Trash' date 0 0 10)
expect_eq "a folder name with CR LF: refused" 2 "$?"
expect_match "Dovecot still has Trash" '^Trash$' "$(dovecot_adm mailbox list -u alice 2>/dev/null)"
out=$(store move INBOX 1 $'Trash\nX2 CREATE Injected')
expect_eq "a target folder with LF: refused" 2 "$?"
out=$("$CHECK" "$S" implicit "$DOVECOT_CA" alice $'secret pass"\r\nX3 CREATE Injected' 20 open)
expect_eq "a password with CR LF: refused before it is sent" 2 "$?"
out=$("$CHECK" "$S" implicit "$DOVECOT_CA" $'alice\r\nX4 CREATE Injected' 'secret pass' 20 open)
expect_eq "a user name with CR LF: the same" 2 "$?"
expect_no_match "Dovecot made no folder from any of them" 'Injected' \
	"$(dovecot_adm mailbox list -u alice 2>/dev/null)"
# '*' and '%' are LIST's wildcards: a parent named with them is no parent.
check "create Work for the wildcard checks" store create Work
out=$(store create 'W%.Sub')
expect_eq "a sub-folder of 'W%' (which matches Work as a pattern): refused" 2 "$?"
expect_match "... as a folder that is not there" "there is no folder W% to put it in" "$out"
out=$(store create 'W*.Sub')
expect_eq "the same for 'W*'" 2 "$?"
check "Work has no sub-folders: it can be deleted" store rmdir Work

# --- the settings, and the one check that decides whether they can be served
admin init >/dev/null || fail "webmsg-admin init"
check "mail.imap_server takes host:port" admin config set mail.imap_server "$S"
out=$(admin config set mail.imap_server 'two words' 2>&1)
expect_match "mail.imap_server refuses what is not host:port" "not a host name" "$out"
check "mail.store imap" admin config set mail.store imap
check "mail.imap_ca_file" admin config set mail.imap_ca_file "$DOVECOT_CA"
expect_match "check: the IMAP server as set" "OK +mail on the IMAP server 127.0.0.1 port $DOVECOT_IMAPS_PORT \\(TLS\\)" \
	"$(admin check 2>&1)"
check "mail.imap_tls none with a server on this machine" admin config set mail.imap_tls none
check "a remote server with implicit TLS" admin config set mail.imap_tls implicit
# Another machine by address (TEST-NET-1): a name must resolve to be taken.
check "... and its address" admin config set mail.imap_server 192.0.2.1:993
out=$(admin config set mail.imap_server no-such-host.invalid:993 2>&1)
expect_match "a name that does not resolve is refused" "cannot be resolved.*nothing was saved" "$out"
out=$(admin config set mail.imap_tls none 2>&1)
expect_match "mail.imap_tls none for another machine: refused" "not on this machine.*nothing was saved" "$out"
expect_eq "... and not saved" implicit "$(admin config get mail.imap_tls 2>/dev/null)"
out=$(admin config set mail.imap_ca_file "$WORK/missing.pem" 2>&1)
expect_match "a CA file that cannot be read: refused" "cannot be read.*nothing was saved" "$out"

# --- servers that do not speak IMAP: clear errors within the timeout
fake() { # MODE: stall (never a byte), garbage, mute (greets, then silent)
	python3 - "$1" "$2" <<'EOF' &
import socket, sys, time
mode, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen(8); s.settimeout(60)
end = time.time() + 60
held = []
while time.time() < end:
    try:
        c, _ = s.accept()
    except socket.timeout:
        break
    held.append(c)
    if mode == "garbage":
        c.sendall(b"HTTP/1.1 400 Bad Request\r\n\x00\xff\xfe garbage {99999999}\r\n" * 4)
    elif mode == "mute":
        c.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake\r\n")
EOF
	FAKE=$!
	wait_for 10 port_open "$2"
}
for mode in stall garbage mute; do
	port=$(free_port)
	fake $mode "$port" || fail "the fake server ($mode) listens"
	start=$(date +%s)
	out=$("$CHECK" "127.0.0.1:$port" none "" alice 'secret pass' 2 open)
	rc=$?
	took=$(($(date +%s) - start))
	expect_eq "($mode) an error, not a crash" 1 "$rc"
	case $mode in
	garbage) expect_match "(garbage) says it is not IMAP" "not reachable: it answered something that is not IMAP|not reachable: it closed" "$out" ;;
	*) expect_match "($mode) says it did not answer in time" "did not answer within 2 s" "$out" ;;
	esac
	[ "$took" -le 10 ] && pass "($mode) within the timeout (${took}s)" || fail "($mode) took ${took}s"
	kill "$FAKE" 2>/dev/null
done
# The same over implicit TLS: a server that never starts the handshake.
port=$(free_port)
fake stall "$port" || fail "the fake server (tls) listens"
out=$("$CHECK" "127.0.0.1:$port" implicit "$DOVECOT_CA" alice 'secret pass' 2 open)
expect_match "(TLS stall) says it did not answer in time" "did not answer within 2 s" "$out"
kill "$FAKE" 2>/dev/null

finish
