#!/usr/bin/env bash
# Search of a word in more messages than are counted, through the real
# daemon with curl: the page says "more than 1000 found" and offers the next
# page, the results are newest first by their Date (delivered in another
# order), a page past the end shows the last one with the exact count, and a
# rare word is counted exactly.
. "$(dirname "$0")/lib.sh"
new_instance
add_user ann@example.org 'Ann-pass-1'
admin service start >/dev/null
base="http://127.0.0.1:$HTTP_PORT"
box=$WORK/mail/example.org/ann
jar=$WORK/jar
logon "$jar" "$base" ann@example.org Ann-pass-1 >/dev/null
page() { curl -s -b "$jar" "$base$1"; }
page /mail >/dev/null
check "the mailbox exists after the first page" test -d "$box/cur"

# 1,060 messages with the word "common", dated one minute apart but written
# in another order (minute (i * 7) % 1060), one of them also "rare".
python3 - "$box" <<'PY'
import os, sys, time
box = sys.argv[1]
n = 1060
for i in range(n):
    minute = (i * 7) % n
    t = 1700000000 + minute * 60
    date = time.strftime('%a, %d %b %Y %H:%M:%S +0000', time.gmtime(t))
    extra = " rare" if minute == 500 else ""
    with open(os.path.join(box, "tmp", f"{1700000000 + i}.M{i}P1.test"), "w") as f:
        f.write(f"From: Bob <bob@example.org>\r\nTo: ann@example.org\r\n"
                f"Subject: number {minute}\r\nDate: {date}\r\n\r\nA common word{extra}.\r\n")
    os.rename(os.path.join(box, "tmp", f"{1700000000 + i}.M{i}P1.test"),
              os.path.join(box, "cur", f"{1700000000 + i}.M{i}P1.test:2,S"))
PY

# Each search reads a bounded batch of bodies: search until none are left.
search() { # search QUERY [PAGE]: the page, once every body is indexed
	local tries=0
	while :; do
		page "/mail?f=INBOX&q=$1&p=${2:-0}" >"$WORK/found.html"
		grep -q 'still being indexed' "$WORK/found.html" || break
		tries=$((tries + 1))
		[ "$tries" -lt 500 ] || { fail "bodies still not indexed after $tries searches"; break; }
	done
	tr -d '\n' <"$WORK/found.html"
}

first=$(search common)
expect_match "a common word: more than 1000 found" \
	'<span class="count">more than 1000 found in INBOX</span>' "$first"
expect_match "the pager says so too" '1–50 of more than 1000<' "$first"
expect_match "and offers the next page" 'rel="next"' "$first"
expect_match "newest first by date, not by delivery" \
	'>number 1059</a>.*>number 1058</a>.*>number 1057</a>' "$first"
expect_no_match "an older one is not on the first page" '>number 1009</a>' "$first"

second=$(search common 1)
expect_match "the second page goes on where the first stopped" \
	'51–100 of more than 1000<.*>number 1009</a>.*>number 1008</a>' "$second"

# Past the end: the last page, every match counted.
last=$(search common 9999)
expect_match "a page past the end shows the last, counted exactly" \
	'<span class="count">1060 found in INBOX</span>.*1051–1060 of 1060<' "$last"
expect_match "ending with the oldest" '>number 0</a>' "$last"
expect_no_match "with no next page" 'rel="next"' "$last"

expect_match "a rare word is counted exactly" \
	'<span class="count">1 found in INBOX</span>.*>number 500</a>' "$(search rare)"
finish
