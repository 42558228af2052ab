#!/usr/bin/env bash
# What the fuzzers found, against the real daemon: each input that brought
# a harness down must leave the daemon answering (tests/fuzz/corpus keeps
# the same inputs as regression seeds).
. "$(dirname "$0")/lib.sh"
new_instance
check "service start" admin service start || finish
base="http://127.0.0.1:$HTTP_PORT"
pid=$(daemon_pid)

# A multipart part without a name="" (MHD hands it over with no name), sent
# without logging on: it crashed the daemon for every user.
boundary=----fuzzboundary7MA4YWxkTrZu0gW
printf -- '--%s\r\nContent-Disposition: form-data; name="user"\r\n\r\nann\r\n--%s\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--%s--\r\n' \
	"$boundary" "$boundary" "$boundary" >"$WORK/nameless.txt"
code=$(http_code -X POST -H "Content-Type: multipart/form-data; boundary=$boundary" \
	--data-binary @"$WORK/nameless.txt" "$base/logon")
expect_match "a part without a name gets an answer" '^[2-4][0-9][0-9]$' "$code"
expect_eq "the daemon still serves the logon page" 200 "$(http_code "$base/")"
expect_eq "and is still the same process" "$pid" "$(daemon_pid)"

check "service stop" admin service stop
finish
