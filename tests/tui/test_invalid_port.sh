#!/usr/bin/env bash
# A port outside 1..65535 is shown as an error under its field, and nothing
# is saved: not the port, and no other field of the form either.
. "$(dirname "$0")/lib.sh"
new_instance
versions() { sqlite3 "$WEBMSG_CONFIG" 'select count(*) from config_versions'; }
before=$(versions)

console_start c
check "Web Messaging opens" select_node c 'Web Messaging'
keys c Down Down Down Down Down Space
check "a check box changed on the way" wait_screen c '\*Remember me +\[ \]'
keys c Up Up Up 7 0 0 0 0 Enter
check "the typed port is in its field" wait_screen c '\*HTTP port +70000'
check "its error shows under it at once" wait_screen c '! web.http_port: 70000 is outside 1\.\.65535'
keys c a
check "applying says nothing was saved" wait_screen c 'field to correct; nothing was saved'
expect_no_match "and no daemon answer is shown" 'applied|saved \(version' "$(screen c)"
expect_eq "the database keeps the port" "$HTTP_PORT" "$(db_value web.http_port)"
expect_eq "no new configuration version" "$before" "$(versions)"
expect_eq "nor the check box" "" "$(db_value login.remember_me)"

keys c Enter C-u 6 5 5 3 5 Enter
check "a valid port clears the error" wait_gone c 'is outside'
keys c q
check "leaving with changes asks first" wait_screen c 'Discard them\?'
keys c n
check "No keeps the console open" wait_gone c 'Discard them\?'
keys c a
check "now it is saved" wait_screen c 'saved \(version [0-9]+\); webmsgd is not running'
expect_eq "the database has the new port" 65535 "$(db_value web.http_port)"
expect_eq "and the check box" off "$(db_value login.remember_me)"
keys c Enter q
check "q quits once everything is saved" console_ended c
finish
