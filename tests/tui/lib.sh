# lib.sh - what every TUI test shares: the integration tests' throw-away
# instance and checks (../integration/lib.sh), and the console run in tmux,
# driven with send-keys and read with capture-pane.
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

TMUX_SOCKET="webmsg-tui-$$"
WAIT_SECONDS=${WAIT_SECONDS:-15}

tmux_() { tmux -L "$TMUX_SOCKET" -f /dev/null "$@"; }

tui_cleanup() {
	tmux_ kill-server 2>/dev/null
	cleanup
}
trap tui_cleanup EXIT

# console_start NAME [WIDTH HEIGHT [TERM [LANG]]]: the console in a new tmux
# session, with $CONSOLE_ENV (NAME=VALUE ...) in its environment. The pane
# stays when the console ends, so its last screen can be read; its exit
# status goes to $WORK/NAME.status.
console_start() {
	local name=$1 width=${2:-80} height=${3:-24} term=${4:-screen} lang=${5:-C.UTF-8}
	rm -f "$WORK/$name.status"
	tmux_ new-session -d -s "$name" -x "$width" -y "$height" \
		"env TERM=$term LANG=$lang LC_ALL=$lang WEBMSG_DAEMON=$WEBMSG_DAEMON ${CONSOLE_ENV:-} $ADMIN -c $WEBMSG_CONFIG; echo \$? >$WORK/$name.status" &&
		tmux_ set-option -t "$name" remain-on-exit on >/dev/null &&
		wait_screen "$name" 'Help'
}

# shell_start NAME [WIDTH HEIGHT]: a shell in a new tmux session, to run the console from.
shell_start() {
	local name=$1 width=${2:-80} height=${3:-24}
	tmux_ new-session -d -s "$name" -x "$width" -y "$height" \
		"exec env -i PATH=$PATH HOME=$WORK HISTFILE=/dev/null TERM=screen LANG=C.UTF-8 PS1='tui\$ ' WEBMSG_DAEMON=$WEBMSG_DAEMON WEBMSG_CONFIG=$WEBMSG_CONFIG bash --norc --noprofile -i"
	wait_screen "$name" 'tui\$'
}

# keys NAME KEY...: keys by tmux's names (Enter, Tab, Down, F2, C-u, ...).
keys() {
	local name=$1
	shift
	tmux_ send-keys -t "$name" "$@"
}

# type_text NAME TEXT: TEXT typed as it is.
type_text() { tmux_ send-keys -t "$1" -l "$2"; }

screen() { tmux_ capture-pane -p -t "$1"; }

# wait_screen NAME REGEX [SECONDS]: waits until the screen shows REGEX; on a
# timeout, prints the screen and fails.
wait_screen() {
	local name=$1 re=$2 seconds=${3:-$WAIT_SECONDS}
	local tries=$((seconds * 10))
	for _ in $(seq "$tries"); do
		grep -Eq -- "$re" <<<"$(screen "$name" 2>/dev/null)" && return 0
		sleep 0.1
	done
	echo "--- waited $seconds s for /$re/ on $name; the screen:" >&2
	screen "$name" >&2
	return 1
}

# wait_gone NAME REGEX [SECONDS]: waits until the screen no longer shows REGEX.
wait_gone() {
	local name=$1 re=$2 seconds=${3:-$WAIT_SECONDS}
	for _ in $(seq $((seconds * 10))); do
		# Read whole before grep: under pipefail an early grep -q exit would
		# fail the pipe and look like "gone".
		grep -Eq -- "$re" <<<"$(screen "$name" 2>/dev/null)" || return 0
		sleep 0.1
	done
	echo "--- waited $seconds s for /$re/ to go on $name; the screen:" >&2
	screen "$name" >&2
	return 1
}

# console_ended NAME [SECONDS]: waits until the console in NAME has ended,
# and fails unless it ended well (status 0). Its status is in $ENDED_STATUS.
console_ended() {
	local name=$1 seconds=${2:-$WAIT_SECONDS}
	for _ in $(seq $((seconds * 10))); do
		if [ -s "$WORK/$name.status" ]; then
			ENDED_STATUS=$(cat "$WORK/$name.status")
			[ "$ENDED_STATUS" = 0 ] && return 0
			echo "--- the console in $name ended with status $ENDED_STATUS:" >&2
			screen "$name" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "--- the console in $name did not end within $seconds s; the screen:" >&2
	screen "$name" >&2
	return 1
}

# panel_title NAME: the title on the right frame's top edge.
panel_title() { screen "$1" | sed -n 2p; }

# select_node NAME LABEL: moves the tree's cursor until the panel shows LABEL,
# and gives the panel the focus.
select_node() {
	local name=$1 label=$2
	keys "$name" Escape
	wait_screen "$name" 'Tab +Panel' 5 || return 1
	keys "$name" Home
	for _ in $(seq 20); do
		sleep 0.15
		if panel_title "$name" | grep -q -- "$label"; then
			keys "$name" Tab
			wait_screen "$name" 'Tab +Tree' 5
			return
		fi
		keys "$name" Down
	done
	echo "--- no tree node shows '$label'" >&2
	screen "$name" >&2
	return 1
}

# frame_ok NAME WIDTH HEIGHT: the screen is drawn as it should be at that
# size: the title on the first row, both frames whole on every row between,
# the key bars on the last two, and nothing wider than the terminal.
frame_ok() {
	screen "$1" | python3 -c '
import sys
width, height = int(sys.argv[1]), int(sys.argv[2])
rows = sys.stdin.read().split("\n")[:height]
rows += [""] * (height - len(rows))
vertical, corners = set("│|x"), set("┌┐└┘+lkmj")
def fail(why):
    print("frame: " + why, file=sys.stderr)
    for r in rows:
        print("  |" + r, file=sys.stderr)
    sys.exit(1)
if any(len(r) > width for r in rows):
    fail("a row is wider than %d" % width)
if "webmsg-admin:" not in rows[0]:
    fail("no title on the first row")
top = rows[1]
if len(top) < width or top[0] not in corners or top[width - 1] not in corners:
    fail("the frames do not span the second row")
# The tree frame ends where the panel frame starts: two corners side by side.
split = next((i for i in range(1, width - 1) if top[i] in corners and top[i + 1] in corners), None)
if split is None:
    fail("no tree and panel frames side by side")
for y in range(2, height - 3):
    r = rows[y].ljust(width)
    for x in (0, split, split + 1, width - 1):
        if r[x] not in vertical:
            fail("row %d column %d is %r, not a frame" % (y, x, r[x]))
bottom = rows[height - 3]
if bottom[0] not in corners or bottom[width - 1] not in corners:
    fail("the frames are not closed on row %d" % (height - 3))
if "Quit" not in rows[height - 1] or "Help" not in rows[height - 1]:
    fail("no key bar on the last row")
' "$2" "$3"
}

# db_value KEY: a setting's value as the database holds it (explicitly set ones).
db_value() { sqlite3 "$WEBMSG_CONFIG" "select value from settings where key = '$1'"; }
