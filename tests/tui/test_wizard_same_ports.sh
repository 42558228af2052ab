#!/usr/bin/env bash
# The SSL wizard takes the same decision as every other door, at step 5,
# before it makes anything: HTTPS on the HTTP port is refused under its field,
# no key is made and no version saved; with its own port it applies.
. "$(dirname "$0")/lib.sh"
new_instance
HTTPS_PORT=$(free_port)
mkdir -m 700 "$WORK/ssl"
admin service start >/dev/null || { fail "start the daemon"; finish; }
versions() { sqlite3 "$WEBMSG_CONFIG" 'select count(*) from config_versions'; }
before=$(versions)

console_start c
check "SSL Configuration opens at step 1" select_node c 'SSL Configuration: step 1 of 5'
keys c Enter C-u
type_text c "$WORK/ssl"
keys c Enter n
check "step 2: the certificate" wait_screen c 'step 2 of 5, Certificate'
keys c n
check "its subject comes next" wait_screen c 'Common name'
keys c Down Enter C-u
type_text c localhost
keys c Enter n
check "step 3: the cipher profile" wait_screen c 'step 3 of 5'
keys c n
check "step 4: client certificates" wait_screen c 'step 4 of 5'
keys c n
check "step 5: Enable SSL, ticked" wait_screen c 'Enable SSL +\[x\]'
keys c Down Down Enter C-u
type_text c "$HTTP_PORT"
keys c Enter n
check "the HTTP port as HTTPS port is refused at step 5, with the reason" \
	wait_screen c 'same port'
check "the wizard stays at step 5" wait_screen c 'step 5 of 5'
check "nothing is in the key store" test -z "$(ls -A "$WORK/ssl")"
expect_eq "no version is saved" "$before" "$(versions)"

keys c Enter C-u
type_text c "$HTTPS_PORT"
keys c Enter n
check "its own port leads to the summary" wait_screen c "enabled on port $HTTPS_PORT"
keys c Enter
check "applying is applied by the daemon" wait_screen c 'applied \(version [0-9]+\)'
check "and ends with a handshake" wait_screen c "HTTPS on 127\.0\.0\.1 port $HTTPS_PORT: TLSv1\.[23]"
expect_eq "as one new version" $((before + 1)) "$(versions)"
keys c Enter
check "Done starts the wizard over" wait_screen c 'step 1 of 5'
keys c Escape q
check "q quits" console_ended c
finish
