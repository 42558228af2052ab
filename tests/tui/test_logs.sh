#!/usr/bin/env bash
# Logs: the daemon's log, new lines shown as they come in follow mode, failed
# logons marked and counted, search with next and previous.
. "$(dirname "$0")/lib.sh"
new_instance
admin service start >/dev/null || { fail "start the daemon"; finish; }
log="$WORK/webmsgd.log"

# Wide enough for the log's lines on one row each; wrapping is checked at the end.
console_start c 120 40
check "Logs opens on the daemon's log" select_node c 'Logs'
check "it names the file" wait_screen c "$log"
check "and shows its lines" wait_screen c 'webmsgd started \(pid [0-9]+\)'
check "following new lines" wait_screen c 'following'

echo "$(date -u +%FT%TZ) webmsgd[1] warn: logon failed for user bob@example.org from 192.0.2.7" >>"$log"
check "a failed logon appears by itself" wait_screen c 'logon failed for user bob@example\.org'
check "marked with !" wait_screen c '!.*logon failed for user bob'
check "and counted" wait_screen c '1 failed logon[^s]'
highlighted=$(tmux_ capture-pane -p -e -t c | grep 'logon failed for user bob' | grep -c $'\e\\[[0-9;]*1[;m]')
expect_eq "and highlighted" 1 "$highlighted"
expect_eq "an ordinary line is not" 0 "$(tmux_ capture-pane -p -e -t c | grep 'webmsgd started' | grep -c $'!')"

keys c f
check "f stops following" wait_gone c 'following'
echo "$(date -u +%FT%TZ) webmsgd[1] info: a line written while not following" >>"$log"
sleep 1.5
expect_no_match "new lines wait meanwhile" 'while not following' "$(screen c)"
keys c f
check "f follows again and shows them" wait_screen c 'a line written while not following'

admin service reload >/dev/null
check "a reload shows up" wait_screen c 'reloading the configuration'
keys c /
check "/ asks what to find" wait_screen c 'Find in the log'
type_text c 'serving configuration'
keys c Enter
check "the search is shown" wait_screen c 'search: serving configuration'
keys c n N
check "n and N go between matches" wait_screen c 'search: serving configuration'
keys c /
wait_screen c 'Find in the log' >/dev/null
keys c C-u
type_text c 'no such text anywhere'
keys c Enter
check "a search that finds nothing says so" wait_screen c 'is not in the log'
keys c Enter End
check "End follows the end again" wait_screen c 'following'

tmux_ resize-window -t c -x 80 -y 24
echo "$(date -u +%FT%TZ) webmsgd[1] warn: logon failed for user carol@example.org from 192.0.2.8, the end" >>"$log"
check "at 80 columns a long line goes on over more rows" wait_screen c '││ +user carol@example\.org from 192\.0\.2\.8'
check "and still fits the frame" frame_ok c 80 24
keys c w
check "w shows one row per line" wait_gone c 'user carol@example\.org from'
keys c w
keys c q
check "q quits" console_ended c
finish
