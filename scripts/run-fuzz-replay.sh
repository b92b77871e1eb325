#!/bin/bash
# Replays every seed (tests/fuzz/corpus/NAME/) and every kept finding
# (tests/fuzz/regress/NAME/) through each fuzz target named, as built with
# the sanitizers in BUILD/fuzz/NAME (make fuzz-replay-build). One line per
# target, then "N passed, N failed" counting inputs; a target that dies
# (a crash, a leak, an input over 1 s) fails its remaining inputs.
set -u
cd "$(dirname "$0")/.."

build=$1
shift
passed=0
failed=0
log=$(mktemp)
tmp=$(mktemp -d) # the databases of fuzz_api and fuzz_http, even after a crash
trap 'rm -rf "$log" "$tmp"' EXIT
for t in "$@"; do
	files=()
	for d in "tests/fuzz/corpus/$t" "tests/fuzz/regress/$t"; do
		[ -d "$d" ] && while IFS= read -r f; do files+=("$f"); done < <(find "$d" -type f | sort)
	done
	if [ "${#files[@]}" -eq 0 ]; then
		echo "$t: no inputs"
		failed=$((failed + 1))
		continue
	fi
	TMPDIR=$tmp ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		timeout 300 "$build/fuzz/$t" "${files[@]}" >"$log" 2>&1
	rc=$?
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		p=0
		f=${#files[@]}
		tail -n 30 "$log"
	else
		p=${line%% passed*}
		f=${line#*passed, }
		f=${f%% failed*}
		# a leak is reported at exit, after the summary
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			p=$((p - 1))
			f=1
		fi
		[ "$f" -ne 0 ] && tail -n 30 "$log"
	fi
	echo "$t: $p passed, $f failed"
	passed=$((passed + p))
	failed=$((failed + f))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
