#!/bin/bash
# Every test of the project: unit tests in the normal and the sanitizer
# build, then the bats behaviour tests against real mounts. Ends with one
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

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

echo "== build"
if ! make -j2 all >"$log/build" 2>&1 || ! make -j2 asan >>"$log/build" 2>&1; then
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

echo "== behaviour tests (bats, real mounts)"
if ls tests/bats/*.bats >/dev/null 2>&1; then
	DDBFS=$PWD/build/ddbfs timeout 3600 bats --tap tests/bats | tee "$log/bats"
	p=$(grep -c '^ok ' "$log/bats")
	f=$(grep -c '^not ok ' "$log/bats")
	planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log/bats" | head -n 1)
	# A run cut short (timeout, crash) counts its missing tests as failed.
	if [ -n "$planned" ] && [ $((p + f)) -lt "$planned" ]; then
		f=$((planned - p))
	fi
	echo "bats: $p passed, $f failed"
	total_p=$((total_p + p))
	total_f=$((total_f + f))
fi

echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
