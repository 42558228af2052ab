#!/usr/bin/env bash
# The console never leaves the terminal broken: ended by q, by SIGTERM,
# SIGHUP, ^C or ^\, or stopped with ^Z and continued, the shell gets its
# echo and line editing back, and its own screen.
. "$(dirname "$0")/lib.sh"
new_instance

shell_start sh
keys sh "ulimit -c 0; clear; echo shell-before" Enter
wait_screen sh '^shell-before' >/dev/null

console_pid() {
	local shell
	shell=$(tmux_ display-message -p -t sh '#{pane_pid}')
	ps -o pid= --ppid "$shell" | tr -d ' ' | head -1
}

# The terminal as the shell left it: echo and canonical input on.
terminal_sane() {
	keys sh "clear; stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(echo|icanon|isig)' | tr '\\n' ' '; echo" Enter
	wait_screen sh '^echo icanon|^isig icanon echo|icanon' 5 >/dev/null
	local modes
	modes=$(screen sh | grep -E 'icanon' | tail -1)
	[[ " $modes " == *" echo "* && " $modes " == *" icanon "* && " $modes " == *" isig "* ]]
}

run_console() {
	keys sh "clear; $ADMIN -c $WEBMSG_CONFIG; echo status=\$?" Enter
	wait_screen sh 'F10/q Quit' >/dev/null
}

run_console
keys sh q
check "q: the shell comes back" wait_screen sh 'status=0'
check "q: with its screen" wait_gone sh 'F10/q Quit'
check "q: and a sane terminal" terminal_sane

for sig in TERM HUP; do
	run_console
	pid=$(console_pid)
	kill "-$sig" "$pid"
	check "SIG$sig ends the console" wait_screen sh "status=$((128 + $(kill -l "$sig")))"
	check "SIG$sig: the shell's screen is back" wait_gone sh 'F10/q Quit'
	check "SIG$sig: the terminal is sane" terminal_sane
done

# A shell drops the rest of a command line when its job dies of ^C (not of
# ^\\), so there the status is asked for afterwards.
for key in C-c 'C-\'; do
	run_console
	keys sh "$key"
	check "$key ends the console" wait_gone sh 'F10/q Quit'
	sleep 0.3
	screen sh | grep -q 'status=' || keys sh 'echo status=$?' Enter
	check "$key: by its signal" wait_screen sh 'status=13[01]'
	check "$key: the terminal is sane" terminal_sane
done

run_console
keys sh C-z
check "^Z stops the console" wait_screen sh 'Stopped|stopped'
check "^Z: the shell's screen is back" wait_gone sh 'F10/q Quit'
check "^Z: the terminal is sane meanwhile" terminal_sane
keys sh "fg" Enter
check "fg: the console draws again" wait_screen sh 'F10/q Quit'
keys sh q
check "fg: and quits" wait_gone sh 'F10/q Quit'
keys sh "s=\$?; clear; echo status=\$s" Enter
check "fg: with status 0" wait_screen sh 'status=0'
check "fg: leaving a sane terminal" terminal_sane

# Not a terminal: the help, as before the console, for scripts.
out=$("$ADMIN" -c "$WEBMSG_CONFIG" </dev/null | head -1)
expect_match "without a terminal it prints the help" '^usage: webmsg-admin' "$out"
finish
