#!/usr/bin/env bash
# Two operators edit the same setting in two consoles: the second to apply
# is warned and shown the first one's value, which is not overwritten unless
# the second applies again knowing it.
. "$(dirname "$0")/lib.sh"
new_instance
first=$(free_port)
second=$(free_port)
while [ "$second" = "$first" ]; do second=$(free_port); done

console_start one
console_start two
check "the first console opens Web Messaging" select_node one 'Web Messaging'
check "the second too" select_node two 'Web Messaging'
keys one Down Down
keys two Down Down
type_text one "$first"
keys one Enter
type_text two "$second"
keys two Enter
check "each typed its own port" wait_screen two "\*HTTP port +$second"

keys one a
check "the first applies" wait_screen one "saved \(version [0-9]+\)"
expect_eq "and its port is saved" "$first" "$(db_value web.http_port)"

keys two a
check "the second is warned" wait_screen two 'Changed meanwhile'
check "and shown the other value" wait_screen two "HTTP port: now $first \(yours: $second\)"
expect_eq "which is not overwritten" "$first" "$(db_value web.http_port)"
keys two Enter
check "the form keeps the second's value and shows the first's" \
	wait_screen two "another operator saved $first"
check "with its own still typed in" wait_screen two "\*HTTP port +$second"

keys two a
check "applying again, knowingly, saves it" wait_screen two "saved \(version [0-9]+\)"
expect_eq "the second's port is saved" "$second" "$(db_value web.http_port)"
keys two Enter

# A field the first did not change is refreshed silently in the second.
keys one Enter Up Up Enter C-u
type_text one mail.example.org
keys one Enter a
check "the first saves a host name" wait_screen one 'saved \(version'
keys two Down 6 0 0 Enter a
check "the second saves another field without a warning" wait_screen two 'saved \(version'
expect_no_match "no warning for what it did not touch" 'Changed meanwhile' "$(screen two)"
expect_eq "the first's host name stays" mail.example.org "$(db_value web.hostname)"
expect_eq "the second's timeout is saved" 600 "$(db_value session.idle_timeout)"
finish
