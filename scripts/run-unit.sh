#!/bin/bash
# Runs every unit-test program of one build directory; prints each
# program's result and, last, "N passed, N failed" summed over them.
# A program that crashes or prints no summary counts as one failure.
set -u
build=${1:-build}
passed=0
failed=0
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	name=${t##*/}
	out=$(timeout 600 "$t" 2>&1)
	rc=$?
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
	if [ -z "$line" ]; then
		printf '%s\n' "$out" | tail -n 20
		echo "$build/$name: crashed or printed no summary (exit $rc)"
		failed=$((failed + 1))
		continue
	fi
	p=${line%% passed*}
	f=${line#*passed, }
	f=${f%% failed*}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	[ "$f" -ne 0 ] && printf '%s\n' "$out" | grep -v -E '^[0-9]+ passed' | tail -n 40
	echo "$build/$name: $p passed, $f failed"
	passed=$((passed + p))
	failed=$((failed + f))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
