#!/bin/sh
# check_layout.sh - webmsg-admin's dependencies go one way: cli and console
# use core, core uses only libwebmsg, widgets draw what they are given and use
# nothing of core, the console or the configuration. Fails, naming the file
# and the line, when an include goes the wrong way, so the layout cannot
# quietly grow back into one folder.
# usage: check_layout.sh ADMIN_SOURCE_DIR
set -u
dir=${1:-$(dirname "$0")}
cd "$dir" || exit 2
for part in cli console core widgets; do
	[ -d "$part" ] || { echo "check_layout: no $dir/$part" >&2; exit 2; }
done
bad=0

# forbid PART REGEX WHY: fails for each include in PART/ that matches REGEX.
forbid() {
	found=$(grep -En "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($2)" \
		"$1"/*.c "$1"/*.h 2>/dev/null)
	if [ -n "$found" ]; then
		printf '%s\n' "$found" | sed "s|^|$dir/|; s|\$|: $3|" >&2
		bad=1
	fi
}

forbid core 'cli/|console/|widgets/|n?curses\.h' \
	"core is shared by the command line and the console and uses neither"
forbid widgets 'core/|cli/|console/|webmsg/(config|config_check|db|service)\.h' \
	"a widget draws what it is given; it never reads or saves the configuration"
forbid cli 'console/|widgets/|n?curses\.h' "the command line uses core, not the console"
forbid console 'cli/' "the console uses core, not the command line"

# Every admin include names its folder and the file is there.
msgs=$(grep -EHo '^#include "[^"]+"' */*.c */*.h *.c | while IFS=: read -r f line; do
	inc=${line#\#include \"}
	inc=${inc%\"}
	case $inc in
	webmsg/*) ;;
	*/*) [ -f "$inc" ] || echo "$dir/$f: $inc does not exist" ;;
	*) echo "$dir/$f: \"$inc\" should name its folder (\"core/apply.h\")" ;;
	esac
done)
if [ -n "$msgs" ]; then
	printf '%s\n' "$msgs" >&2
	bad=1
fi

[ "$bad" = 0 ] && echo "webmsg-admin layout: cli, console -> core -> libwebmsg; widgets alone"
exit "$bad"
