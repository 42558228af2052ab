#!/usr/bin/env bash
# The console at 80x24 and after resizes to 120x40 and back: every screen
# draws inside its frame, nothing overlaps, the key bars stay at the bottom.
. "$(dirname "$0")/lib.sh"
new_instance
admin domain add example.org >/dev/null

screens=('Status' 'Domains' 'Users of example.org' 'Web Messaging' 'SSL Configuration' 'Logs' 'Troubleshoot')

# Visits every screen (or the ones named) and checks the frame at WIDTH x HEIGHT.
check_screens() { # WIDTH HEIGHT [SCREEN...]
	local width=$1 height=$2
	shift 2
	local which=("$@")
	[ ${#which[@]} -gt 0 ] || which=("${screens[@]}")
	for s in "${which[@]}"; do
		select_node c "$s" >/dev/null || { fail "$s opens at ${width}x${height}"; continue; }
		sleep 0.3
		check "$s draws without overlap at ${width}x${height}" frame_ok c "$width" "$height"
	done
	select_node c 'Web Messaging' >/dev/null
	keys c t
	wait_screen c 'Enable SSL' >/dev/null
	check "the Advanced tab draws without overlap at ${width}x${height}" frame_ok c "$width" "$height"
	keys c t
}

console_start c 80 24
check_screens 80 24

tmux_ resize-window -t c -x 120 -y 40
check "the console follows a resize to 120x40" wait_screen c "$(printf '%-119s' ' webmsg-admin:' | cut -c1-14)"
sleep 0.5
check "the frame fills 120x40" frame_ok c 120 40
check_screens 120 40

keys c '?'
check "help opens" wait_screen c 'On this screen'
tmux_ resize-window -t c -x 80 -y 24
sleep 0.5
check "help stays open through a resize" wait_screen c 'On this screen'
expect_eq "the screen is 24 rows" 24 "$(screen c | wc -l)"
keys c Enter
sleep 0.3
check "after it, the frame fits 80x24 again" frame_ok c 80 24
# Every screen was seen at 80x24 already: after the round trip, the screens
# with the widest content are enough.
check_screens 80 24 'Status' 'Web Messaging' 'Logs'

tmux_ resize-window -t c -x 50 -y 12
check "a terminal too small says so" wait_screen c 'needs at least'
tmux_ resize-window -t c -x 80 -y 24
sleep 0.5
check "and draws again once it is large enough" frame_ok c 80 24
keys c q
check "q quits" console_ended c
finish
