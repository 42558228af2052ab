#!/usr/bin/env bash
# Runs every libFuzzer harness of tests/fuzz for longer than the fuzz tier of
# CTest does, and merges what they find into the seed corpora in
# tests/fuzz/corpus (commit those: they are the start of every later run).
#   scripts/fuzz.sh [SECONDS] [NAME...]    SECONDS per harness (default 300),
#                                          NAME: mime, request, ... (default all)
# Uses the sanitizer build of scripts/test.sh (build-asan, clang). A crash,
# leak or hang stops nothing else; its input is kept under build-asan/fuzz-runs
# and the script exits non-zero.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
seconds=${1:-300}
shift || true
case "$seconds" in
'' | *[!0-9]*) echo "usage: $0 [SECONDS] [NAME...]" >&2; exit 2 ;;
esac
scripts/deps.sh test

if [ -f build-asan/CMakeCache.txt ] && ! grep -q '^CMAKE_C_COMPILER:.*clang' build-asan/CMakeCache.txt; then
	rm -rf build-asan
fi
echo "== building the harnesses (build-asan)"
CC=clang cmake -S . -B build-asan -DBUILD_TESTING=ON -DCMAKE_BUILD_TYPE=Debug -DWEBMSG_SANITIZE=ON \
	-DWEBMSG_FUZZ=ON >/dev/null
cmake --build build-asan -j "$(nproc)" >/dev/null

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do
		n=$(basename "$f" .c)
		names+=("${n#fuzz_}")
	done
fi

export ASAN_OPTIONS="detect_leaks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
runs="$top/build-asan/fuzz-runs"
status=0
summary=()
for name in "${names[@]}"; do
	harness="build-asan/tests/fuzz/fuzz_$name"
	corpus="tests/fuzz/corpus/$name"
	work="$runs/$name"
	if [ ! -x "$harness" ]; then
		echo "no harness $harness" >&2
		status=1
		continue
	fi
	rm -rf "$work"
	mkdir -p "$work/new" "$work/artifacts" "$corpus"
	before=$(ls "$corpus" | wc -l)
	echo "== $name: $seconds s"
	rc=0
	"$harness" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/artifacts/" "$work/new" "$corpus" >"$work/log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
	if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
		tail -n 40 "$work/log"
		echo "$name: FOUND A PROBLEM; the input is in $work/artifacts"
		status=1
	fi
	# Only inputs that reach code the corpus does not reach yet are added.
	"$harness" -merge=1 "$corpus" "$work/new" >"$work/merge.log" 2>&1 || status=1
	after=$(ls "$corpus" | wc -l)
	summary+=("$(printf '%-10s %10s runs %8s exec/s   corpus %4s -> %4s files' "$name" \
		"${execs:-?}" "${rate:-?}" "$before" "$after")")
done
echo "== summary ($seconds s each)"
printf '%s\n' "${summary[@]}"
exit $status
