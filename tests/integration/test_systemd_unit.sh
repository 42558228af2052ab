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
[ $fail -eq 0 ] && echo "PASS: systemd unit"
exit $fail
