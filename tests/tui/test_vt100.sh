#!/usr/bin/env bash
# A vt100 without colours and without F-keys past F4, in the C locale: the
# frames are drawn with the terminal's line-drawing set, roles are shown as
# attributes, and the letters stand in for the F-keys.
. "$(dirname "$0")/lib.sh"
new_instance

console_start c 80 24 vt100 C
check "the console draws within its frames" frame_ok c 80 24
colours=$(tmux_ capture-pane -p -e -t c | grep -Ec $'\e\\[([0-9;]*;)?(3[0-7]|4[0-7])(;[0-9;]*)?m')
expect_eq "no colour is used" 0 "$colours"
check "selection is shown in reverse video" bash -c "tmux -L $TMUX_SOCKET capture-pane -p -e -t c | grep -q $'\e\\\\[[0-9;]*7'"
check "the key bar names the letters" wait_screen c 'F1/\? Help.*F5/r Reload.*F10/q Quit'

keys c '?'
check "? shows the help" wait_screen c 'On this screen'
keys c Enter
check "Enter closes it" wait_gone c 'On this screen'
keys c F1
check "F1 arrives on a vt100 too" wait_screen c 'On this screen'
keys c Escape
check "Esc closes it" wait_gone c 'On this screen'

check "Web Messaging opens with the arrow keys" select_node c 'Web Messaging'
keys c t
check "t switches to the Advanced tab" wait_screen c 'Enable SSL'
keys c t
check "and back to General" wait_screen c 'HTTP port'
keys c Down Down Down Down Down Space
check "Space toggles a check box" wait_screen c '\*Remember me +\[ \]'
keys c a
check "a applies" wait_screen c 'saved \(version [0-9]+\)'
expect_eq "the change is saved" off "$(db_value login.remember_me)"
keys c Enter
keys c s
check "s starts the daemon" wait_screen c 'webmsgd started \(pid [0-9]+\)|cannot start webmsgd'
keys c Enter
check "the title says it runs" wait_screen c 'webmsgd running \(pid [0-9]+\)'

keys c s
check "s again asks before stopping it" wait_screen c 'Stop webmsgd\?'
keys c y
check "and stops it" wait_screen c 'webmsgd stopped'
keys c Enter q
check "q quits" console_ended c

# A UTF-8 terminal that cannot draw lines in UTF-8 gets the terminal's own
# line-drawing set (which tmux shows as box characters again).
CONSOLE_ENV=NCURSES_NO_UTF8_ACS=1 console_start ascii 80 24 screen C.UTF-8
check "line drawing without UTF-8 keeps the frames whole" frame_ok ascii 80 24
keys ascii q
check "q quits" console_ended ascii
finish
