#!/bin/bash
# Runs each fuzz target named (build-fuzz/fuzz/NAME, made by `make fuzz`) for
# FUZZ_S seconds from its seed corpus tests/fuzz/corpus/NAME (what it finds
# new goes to build-fuzz/corpus/NAME; the seeds stay as they are), with its
# dictionary tests/fuzz/NAME.dict if there is one, leak detection on, 1 s
# per input and 2 GB of memory at most. FUZZ_JOBS targets run at once
# (default 1). Prints per target its executions, executions per second,
# coverage (libFuzzer's cov and ft) and findings; a finding (crash, leak,
# timeout, out of memory) is saved under build-fuzz/findings/NAME/ and makes
# the exit status non-zero.
set -u
cd "$(dirname "$0")/.."

FUZZ_S=${FUZZ_S:-60}
FUZZ_JOBS=${FUZZ_JOBS:-1}
out=build-fuzz/logs
mkdir -p "$out"

# run_one NAME: one target's run, its log in $out/NAME.log
run_one() {
	local t=$1 dict=()
	mkdir -p "build-fuzz/corpus/$t" "build-fuzz/findings/$t" "tests/fuzz/corpus/$t"
	# the databases of fuzz_api and fuzz_http: a crash leaves its own behind
	rm -rf "build-fuzz/tmp/$t"
	mkdir -p "build-fuzz/tmp/$t"
	[ -f "tests/fuzz/$t.dict" ] && dict=("-dict=tests/fuzz/$t.dict")
	TMPDIR=$PWD/build-fuzz/tmp/$t ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
		UBSAN_OPTIONS=print_stacktrace=1 "build-fuzz/fuzz/$t" -max_total_time="$FUZZ_S" -timeout=1 -rss_limit_mb=2048 \
		-detect_leaks=1 -print_final_stats=1 -artifact_prefix="build-fuzz/findings/$t/" \
		"${dict[@]}" "build-fuzz/corpus/$t" "tests/fuzz/corpus/$t" >"$out/$t.log" 2>&1
	echo $? >"$out/$t.rc"
	rm -rf "build-fuzz/tmp/$t"
}

# report NAME: one line of figures from its log; 1 when it found something
report() {
	local t=$1 log=$out/$t.log rc execs rate cov secs found
	rc=$(cat "$out/$t.rc")
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
	# the time it ran: libFuzzer's own figure, or (stopped by a finding)
	# its executions over their rate
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
	if [ -z "$secs" ] && [ -n "$execs" ] && [ "${rate:-0}" -gt 0 ]; then
		secs=$((execs / rate))
	fi
	found=$(find "build-fuzz/findings/$t" -type f -newer "$out/$t.start" | wc -l)
	printf '%-24s %10s execs %7s exec/s  %-22s %ss  findings: %s\n' "$t" "${execs:-?}" \
		"${rate:-?}" "${cov:-cov: ? ft: ?}" "${secs:-?}" "$found"
	if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*FUZZ_CHECK|.*runtime error|artifact_prefix|Test unit written)' \
			"$log" | head -n 8 | sed 's/^/    /'
		return 1
	fi
	return 0
}

for t in "$@"; do
	touch "$out/$t.start"
	run_one "$t" &
	while [ "$(jobs -rp | wc -l)" -ge "$FUZZ_JOBS" ]; do
		wait -n
	done
done
wait

bad=0
for t in "$@"; do
	report "$t" || bad=$((bad + 1))
done
echo "fuzz: $# targets, $bad with findings"
[ "$bad" -eq 0 ]
