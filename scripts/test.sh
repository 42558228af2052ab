#!/usr/bin/env bash
# Installs what the tests need, builds webmsg twice (plain with the system's
# compiler, and with clang, AddressSanitizer + UndefinedBehaviorSanitizer and
# the libFuzzer harnesses) and runs the whole suite in each; the second one
# also runs each harness for a short time (the fuzz tier).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/deps.sh test

jobs=$(nproc)
status=0
run_suite() { # name build-dir cmake-args...
	local name=$1 dir=$2
	shift 2
	echo "== $name build"
	cmake -S . -B "$dir" -DBUILD_TESTING=ON "$@" >/dev/null
	cmake --build "$dir" -j "$jobs" >/dev/null
	echo "== $name tests"
	(cd "$dir" && ctest --output-on-failure -j "$jobs") || status=1
}

run_suite "plain" build -DCMAKE_BUILD_TYPE=RelWithDebInfo

# A build folder made with another compiler cannot switch to clang in place.
if [ -f build-asan/CMakeCache.txt ] && ! grep -q '^CMAKE_C_COMPILER:.*clang' build-asan/CMakeCache.txt; then
	rm -rf build-asan
fi
# The daemon's stderr goes nowhere once it runs in the background, so the
# sanitizers write their reports to files; any report fails the run.
reports="$top/build-asan/sanitizer-reports"
rm -rf "$reports"
mkdir -p "$reports"
export ASAN_OPTIONS="detect_leaks=1:log_path=$reports/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan"
CC=clang run_suite "sanitizer" build-asan -DCMAKE_BUILD_TYPE=Debug -DWEBMSG_SANITIZE=ON -DWEBMSG_FUZZ=ON
if [ -n "$(ls -A "$reports")" ]; then
	echo "== sanitizer reports"
	for f in "$reports"/*; do
		echo "--- $f"
		cat "$f"
	done
	status=1
fi
exit $status
