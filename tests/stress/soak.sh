#!/bin/bash
# Soak: a mixed workload on one mount for SOAK_S seconds (default 600),
# the daemon's RSS, open files, map size and latencies every SOAK_TICK
# seconds (default 60); exits 1 if they climb. See soak.py.
set -u
here=$(dirname "$0")
export DDBFS=${DDBFS:-$here/../../build/ddbfs}
exec python3 "$here/soak.py"
