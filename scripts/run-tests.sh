#!/bin/bash
# Every test of the project: unit tests in the normal and the sanitizer
# builds, the fuzz targets' seeds and kept findings under the sanitizers,
# the bats behaviour tests against real mounts, then the
# multi-threaded bats suites again on a ThreadSanitizer daemon. Ends with one
# line "N passed, N failed" summing every suite; exits non-zero on failure.
set -u
cd "$(dirname "$0")/.."

total_p=0
total_f=0
count() { # adds the last "N passed, N failed" line of file $1
	local line p f
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -n 1)
	if [ -z "$line" ]; then
		total_f=$((total_f + 1))
		return
	fi
	p=${line%% passed*}
	f=${line#*passed, }
	f=${f%% failed*}
	total_p=$((total_p + p))
	total_f=$((total_f + f))
}

# count_tap FILE NAME: adds the ok and not ok lines of bats' TAP output in
# FILE; a run cut short (timeout, crash) counts its missing tests as failed.
count_tap() {
	local p f planned
	p=$(grep -c '^ok ' "$1")
	f=$(grep -c '^not ok ' "$1")
	planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$1" | head -n 1)
	if [ -n "$planned" ] && [ $((p + f)) -lt "$planned" ]; then
		f=$((planned - p))
	fi
	echo "$2: $p passed, $f failed"
	total_p=$((total_p + p))
	total_f=$((total_f + f))
}

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

echo "== build"
if ! make -j2 all >"$log/build" 2>&1 || ! make -j2 asan >>"$log/build" 2>&1 ||
	! make -j2 fuzz-replay-build >>"$log/build" 2>&1 ||
	! make -j2 tsan >>"$log/build" 2>&1; then
	tail -n 40 "$log/build"
	echo "0 passed, 1 failed"
	exit 1
fi
if ! make -s check-layers; then
	total_f=$((total_f + 1))
fi

echo "== unit tests"
./scripts/run-unit.sh build | tee "$log/unit"
count "$log/unit"

echo "== unit tests (address + undefined sanitizers)"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	./scripts/run-unit.sh build-asan | tee "$log/asan"
count "$log/asan"

echo "== fault injection (make fault-quick: every class, N strided; make faults runs every N)"
timeout 300 make -s fault-quick 2>&1 | tee "$log/fault"
count "$log/fault"

# every seed and every finding kept, through each fuzz target (tests/fuzz)
echo "== fuzz inputs (address + undefined sanitizers)"
./scripts/run-fuzz-replay.sh build-asan $(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//') |
	tee "$log/fuzz"
count "$log/fuzz"

echo "== unit tests (thread sanitizer)"
aslr=
# TSan's memory layout may not fit a kernel's largest mmap randomization
if ./build-tsan/ddbfs --help 2>&1 | grep -q 'unexpected memory mapping'; then
	aslr="setarch $(uname -m) -R"
fi
TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp" $aslr ./scripts/run-unit.sh build-tsan |
	tee "$log/tsan-unit"
count "$log/tsan-unit"

echo "== behaviour tests (bats, real mounts)"
if ls tests/bats/*.bats >/dev/null 2>&1; then
	DDBFS=$PWD/build/ddbfs timeout 3600 bats --tap tests/bats | tee "$log/bats"
	count_tap "$log/bats" bats
fi

# kill -9 of the daemon under a mixed load through every front, 50 times
# (`make stress` runs 1000): every acknowledged change survives
echo "== crash stress"
DDBFS=$PWD/build/ddbfs timeout 300 ./tests/stress/crash.sh 50 | tee "$log/stress"
count "$log/stress"

# The suites where the daemon's threads meet: a data race is a failure even
# when every test passes. Each report TSan writes counts as one failure.
echo "== behaviour tests on the ThreadSanitizer daemon"
tsan_suites="03_editors 08_concurrency 12_streams 15_robustness 23_snapshots 25_cache 26_capacity 27_export 29_http 33_api_items"
mkdir -p "$log/tsan"
TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp log_path=$log/tsan/report" \
	DDBFS=$PWD/build-tsan/ddbfs timeout 1800 $aslr \
	bats --tap $(printf 'tests/bats/%s.bats ' $tsan_suites) | tee "$log/tsan-bats"
count_tap "$log/tsan-bats" "bats (tsan)"
# backups copy while writers write; all but the 100,000-item crash test
TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp log_path=$log/tsan/report" \
	DDBFS=$PWD/build-tsan/ddbfs timeout 900 $aslr \
	bats --tap --filter '^(mkdir|a backup|backups|deleting|restore|rsync|bad)' \
	tests/bats/24_backups.bats | tee "$log/tsan-bats-backups"
count_tap "$log/tsan-bats-backups" "bats (tsan, backups)"
# imports: parser and writer threads, jobs, the watcher; all but the
# 400,000-item progress test, too slow under TSan
TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp log_path=$log/tsan/report" \
	DDBFS=$PWD/build-tsan/ddbfs timeout 900 $aslr \
	bats --tap --filter '^(CSV|DynamoDB JSON|an |importing|bad|nothing|--watch|a spreadsheet|the watcher)' \
	tests/bats/28_import.bats | tee "$log/tsan-bats-import"
count_tap "$log/tsan-bats-import" "bats (tsan, import)"
races=$(cat "$log"/tsan/report.* 2>/dev/null | grep -c '^WARNING: ThreadSanitizer')
if [ "$races" -eq 0 ] && ls "$log"/tsan/report.* >/dev/null 2>&1; then
	races=1 # not a race but TSan failing: still a failure
fi
if [ "$races" -gt 0 ]; then
	cat "$log"/tsan/report.*
	grep -h '^SUMMARY: ThreadSanitizer' "$log"/tsan/report.*
fi
echo "tsan: $races reports"
total_f=$((total_f + races))

echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
