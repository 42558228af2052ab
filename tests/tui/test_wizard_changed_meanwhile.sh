#!/usr/bin/env bash
# The SSL wizard compares and sets, as the forms do: settings another
# operator saves while the wizard is open are not overwritten by its Apply.
# It warns, makes and saves nothing, and goes back to the first step
# concerned with everything typed kept: a field not touched in the wizard
# takes the other value, a field typed in keeps the wizard's until Apply is
# pressed again, knowingly.
. "$(dirname "$0")/lib.sh"
new_instance
MINE=$(free_port)
THEIRS=$(free_port)
while [ "$THEIRS" = "$MINE" ]; do THEIRS=$(free_port); done
mkdir -m 700 "$WORK/ssl"
versions() { sqlite3 "$WEBMSG_CONFIG" 'select count(*) from config_versions'; }

console_start c 100 32
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
check "step 5: Enable SSL" wait_screen c 'Enable SSL +\[x\]'
keys c Down Down Enter C-u
type_text c "$MINE"
keys c Enter n
check "the summary names the wizard's port" wait_screen c "enabled on port $MINE"

# Another operator, meanwhile: a setting typed in the wizard and one it did not touch.
admin config set web.https_port "$THEIRS" >/dev/null
admin config set ssl.cipher_profile modern >/dev/null
before=$(versions)

keys c Enter
check "Apply warns that another operator saved settings meanwhile" \
	wait_screen c 'Apply: another operator saved ssl\.cipher_profile, web\.https_port'
check "and goes back to the first step concerned" wait_screen c 'step 3 of 5'
check "where the untouched field shows the other value" wait_screen c 'Cipher profile +< modern >'
check "saying another operator saved it" wait_screen c 'another operator saved modern'
expect_eq "the other operator's port is kept" "$THEIRS" "$(db_value web.https_port)"
expect_eq "and the other profile" modern "$(db_value ssl.cipher_profile)"
expect_eq "no version is saved" "$before" "$(versions)"
check "nothing is made in the key store" test -z "$(ls -A "$WORK/ssl")"

keys c b
check "Back shows the certificate's subject" wait_screen c 'step 2 of 5'
check "with the common name typed still there" wait_screen c 'Common name +localhost'
keys c n n
check "step 4 again" wait_screen c 'step 4 of 5'
keys c n
check "step 5 keeps the port typed in the wizard" wait_screen c "\*HTTPS port +$MINE"
check "and shows the other operator's" \
	wait_screen c "another operator saved $THEIRS; apply again to save yours instead"
keys c n
check "the summary comes again" wait_screen c "enabled on port $MINE"
keys c Enter
check "applying again, knowingly, saves" wait_screen c 'saved \(version [0-9]+\)'
expect_eq "the wizard's port" "$MINE" "$(db_value web.https_port)"
expect_eq "and the other operator's profile, not touched here" modern "$(db_value ssl.cipher_profile)"
expect_eq "as one new version" $((before + 1)) "$(versions)"
check "the certificate is made now" test -f "$WORK/ssl/server.crt"
keys c Enter
check "Done starts the wizard over" wait_screen c 'step 1 of 5'
keys c Escape q
check "q quits" console_ended c
finish
