#!/usr/bin/env bash
# Runs one libFuzzer harness for a short time, as the fuzz tier of CTest does:
#   run.sh HARNESS CORPUS WORKDIR SECONDS
# It starts from the seed corpus kept in git (read only: what it finds goes
# to WORKDIR, scripts/fuzz.sh merges finds into the corpus) and fails on any
# crash, leak, timeout or sanitizer report.
set -euo pipefail
harness=$1 corpus=$2 work=$3 seconds=$4

rm -rf "$work"
mkdir -p "$work/new" "$work/artifacts"
seeds=()
[ -d "$corpus" ] && seeds=("$corpus")

# -timeout: one input taking longer is a finding (a parser that can be made
# to spin); -rss_limit_mb: as is one that makes memory grow without bound.
status=0
"$harness" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$work/artifacts/" "$work/new" "${seeds[@]}" >"$work/log" 2>&1 || status=$?
tail -n 25 "$work/log"
if [ "$status" -ne 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
	echo "FAIL: $(basename "$harness") found a problem; the input is in $work/artifacts:"
	ls -l "$work/artifacts"
	exit 1
fi
