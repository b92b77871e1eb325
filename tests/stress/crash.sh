#!/bin/bash
# Crash stress (SPEC §17): CYCLES kill -9 cycles of the daemon under a
# mixed load through every front; see crash.py. Usage:
#   tests/stress/crash.sh [CYCLES] [--dir DIR] [--seed N]
# DDBFS names the binary (default build/ddbfs). Ends "N passed, N failed".
set -u
here=$(dirname "$0")
cycles=${1:-1000}
[ $# -gt 0 ] && shift
exec python3 "$here/crash.py" "$cycles" --ddbfs "${DDBFS:-$here/../../build/ddbfs}" "$@"
