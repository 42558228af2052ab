#!/usr/bin/env bash
# "Compare with exported file": the console reads a file exported on another
# machine, lists the settings that differ (here and in the file), refuses an
# edited file with the reason, and imports after a confirmation, through the
# same checks as `config import`; saying no changes nothing.
. "$(dirname "$0")/lib.sh"
new_instance
B="$WORK/b/webmsg.db"
mkdir -m 700 "$WORK/b"
# B starts as a copy of this machine (A), then two settings change there.
admin config export "$WORK/a.cfg" 2>/dev/null &&
	admin -c "$B" init >/dev/null &&
	admin -c "$B" config import "$WORK/a.cfg" >/dev/null &&
	admin -c "$B" config set session.idle_timeout 900 >/dev/null &&
	admin -c "$B" config set login.remember_me off >/dev/null &&
	admin -c "$B" config export "$WORK/b.cfg" 2>/dev/null || { fail "export from B"; finish; }
sed 's/"900"/"901"/' "$WORK/b.cfg" >"$WORK/edited.cfg"
admin config set log.level debug >/dev/null
version() { sqlite3 "$WEBMSG_CONFIG" 'SELECT max(version) FROM config_versions'; }

console_start c 120 40
check "the screen is in the tree" select_node c 'Compare with exported file'
check "it says how to start" wait_screen c 'Press o to give'
check "its keys are on the key bar" wait_screen c 'o +Open file'

keys c o
check "o asks for the path" wait_screen c 'Path of the exported file'
type_text c "$WORK/edited.cfg"
keys c Enter
check "an edited file is refused with the reason" wait_screen c 'checksum does not match'

keys c o
check "o asks again" wait_screen c 'Path of the exported file'
keys c C-u
type_text c "$WORK/b.cfg"
keys c Enter
check "where the file comes from" wait_screen c 'Exported on .* \(version [0-9.]+, secrets left out\)'
check "a setting of the file, here and there" \
	wait_screen c 'session\.idle_timeout +"1800" \(default\) +"900"'
check "a setting of its own, against the default" \
	wait_screen c 'log\.level +"debug" +"info" \(default\)'
check "every differing setting" wait_screen c 'login\.remember_me +"on" \(default\) +"off"'

before=$(version)
keys c i
check "i asks first" wait_screen c 'Import .*b\.cfg\? 3 settings will change'
keys c n
check "no closes the question" wait_gone c 'settings will change'
expect_eq "saying no saves nothing" "$before" "$(version)"

keys c i
check "i asks again" wait_screen c 'settings will change'
keys c y
check "the import is saved as one version" wait_screen c "saved \(version $((before + 1))\)"
keys c Enter
check "then the screen shows no difference (read again)" wait_screen c 'The same: every setting here is as in the file'
expect_eq "the imported setting" 900 "$(admin config get session.idle_timeout)"
expect_eq "the setting the file leaves out is back to its default" info \
	"$(admin config get log.level)"
out=$(admin config diff "$WORK/b.cfg")
expect_eq "config diff agrees" 0 "$?"
check "the frame is whole" frame_ok c 120 40
finish
