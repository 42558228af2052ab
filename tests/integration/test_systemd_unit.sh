#!/usr/bin/env bash
# The shipped systemd unit: it runs this build's daemon (the -n check first,
# then the daemon in the foreground), keeps the sandbox the README promises,
# and systemd rates its exposure no worse than the README's figure.
set -euo pipefail
unit="$WEBMSG_BIN/../webmsgd.service"
[ -f "$unit" ] || { echo "FAIL: $unit was not configured by CMake"; exit 1; }

fail=0
want() { # a line the unit must have
	grep -qxF -- "$1" "$unit" || { echo "FAIL: the unit lacks '$1'"; fail=1; }
}
grep -qE '@[A-Z_]+@' "$unit" && { echo "FAIL: an unconfigured @VARIABLE@ is left in the unit"; fail=1; }
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
case "$exec_start" in
/*/webmsgd\ -f) ;;
*) echo "FAIL: ExecStart is '$exec_start', not an absolute webmsgd -f"; fail=1 ;;
esac
want "ExecStartPre=${exec_start% -f} -n"
want "NoNewPrivileges=yes"
want "ProtectSystem=strict"
want "StateDirectory=webmsg"
want "UMask=0077"
want "MemoryDenyWriteExecute=yes"
grep -q '^CapabilityBoundingSet=.*CAP_DAC_OVERRIDE' "$unit" &&
	{ echo "FAIL: the daemon may override file modes"; fail=1; }

# systemd's own rating, offline: the threshold is the exposure times ten.
if ! out=$(systemd-analyze security --offline=true --threshold=26 "$unit" 2>&1); then
	echo "$out" | grep -v '✓' >&2
	echo "FAIL: systemd rates the unit above 2.6"
	fail=1
fi
echo "$out" | grep 'Overall exposure'

# The ACME renewal: a service that runs this build's webmsg-admin, quietly,
# and a timer twice a day with a random delay that catches up after a
# machine was off; `cmake --install` puts both beside webmsgd.service.
renew="$WEBMSG_BIN/../webmsg-acme-renew.service"
timer="$(dirname "$0")/../../share/webmsg-acme-renew.timer"
[ -f "$renew" ] || { echo "FAIL: $renew was not configured by CMake"; fail=1; }
grep -qE '@[A-Z_]+@' "$renew" && { echo "FAIL: an unconfigured @VARIABLE@ is left in the renewal unit"; fail=1; }
renew_exec=$(sed -n 's/^ExecStart=//p' "$renew")
[ "$renew_exec" = "$(dirname "${exec_start% -f}")/webmsg-admin ssl acme renew" ] ||
	{ echo "FAIL: the renewal runs '$renew_exec', not webmsg-admin ssl acme renew beside webmsgd"; fail=1; }
grep -qx 'Type=oneshot' "$renew" || { echo "FAIL: the renewal is not a oneshot"; fail=1; }
grep -qxF 'OnCalendar=*-*-* 00,12:00:00' "$timer" || { echo "FAIL: the timer does not run twice a day"; fail=1; }
grep -qx 'Persistent=true' "$timer" || { echo "FAIL: the timer does not catch up"; fail=1; }
grep -q '^RandomizedDelaySec=' "$timer" || { echo "FAIL: the timer has no random delay"; fail=1; }
if command -v systemd-analyze >/dev/null; then
	out2=$(systemd-analyze calendar --iterations=2 '*-*-* 00,12:00:00' 2>&1)
	echo "$out2" | grep -q 'Iter. #2' || { echo "FAIL: systemd does not read the timer's calendar"; fail=1; }
fi
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
if DESTDIR="$dest" cmake --install "$WEBMSG_BIN/.." >/dev/null 2>&1; then
	for f in webmsgd.service webmsg-acme-renew.service webmsg-acme-renew.timer; do
		[ -n "$(find "$dest" -path "*/lib/systemd/system/$f")" ] ||
			{ echo "FAIL: cmake --install did not install $f beside webmsgd.service"; fail=1; }
	done
else
	echo "FAIL: cmake --install failed"; fail=1
fi
[ $fail -eq 0 ] && echo "PASS: systemd unit"
exit $fail
