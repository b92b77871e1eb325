#!/bin/bash
# One run of the benchmark (SPEC §18; bench/README.md): `run.sh quick` (make
# bench-quick), `full` (make bench), `scale` (make bench-scale). Mounts a
# tmpfs, the FUSE ceiling and ddbfs side by side, runs the driver, raw LMDB
# and dynalite, prints figures and ratios and writes bench/results.json.
# Whatever it mounts or starts is undone on exit, failure and ^C included.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build}
MODE=${1:-quick}
case "$MODE" in
quick) NS="10000"; REPS=2; CMD="make bench-quick"; JSON=$ROOT/bench/results.json ;;
full) NS="10000 100000"; REPS=3; CMD="make bench"; JSON=$ROOT/bench/results.json ;;
scale) NS="10000 1000000"; REPS=1; CMD="make bench-scale"; JSON=$ROOT/bench/results-scale.json ;;
*) echo "usage: $0 quick|full|scale" >&2; exit 2 ;;
esac
FIRST=${NS%% *}
B=$ROOT/$BUILD/bench

say() { printf '\n== [%3d s] %s\n' "$SECONDS" "$*"; }
warn() { printf 'bench: %s\n' "$*" >&2; }
# Every step that touches a mount runs under a time limit.
T() { timeout -k 10 "$@"; }

LOAD=$(cut -d' ' -f1 /proc/loadavg)
make -s "$BUILD/ddbfs" bench-tools
[ "$(id -u)" = 0 ] || warn "not root: no tmpfs baseline, and caches cannot be dropped"

WORK=$(mktemp -d /var/tmp/ddbfs-bench.XXXXXX)
RES=$WORK/results.txt
: >"$RES"
MOUNTS=()   # "kind|mountpoint|pidfile", in mount order
AUX=        # the tmpfs holding the source tree, kept across runs
DYN_PID=
DYN_PORT=

mounted() { awk -v m="$1" '$2 == m { found = 1 } END { exit !found }' /proc/mounts; }

# unmount_one KIND MNT PIDFILE: unmount, then wait for the daemon to exit;
# one that will not is killed (only if it is still ours: ddbfs or ceilingfs).
unmount_one() {
	local kind=$1 mnt=$2 pidfile=$3 pid="" comm
	if [ -n "$pidfile" ] && [ -f "$pidfile" ]; then
		pid=$(tr -dc 0-9 <"$pidfile")
	fi
	if mounted "$mnt"; then
		if [ "$kind" = tmpfs ]; then
			timeout 20 umount "$mnt" || timeout 10 umount -l "$mnt" || true
		else
			timeout 20 fusermount3 -u "$mnt" 2>/dev/null ||
				timeout 10 fusermount3 -uz "$mnt" || true
		fi
	fi
	[ -n "$pid" ] || return 0
	for _ in $(seq 1 150); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
	if [ "$comm" = ddbfs ] || [ "$comm" = ceilingfs ]; then
		warn "$comm (pid $pid) did not exit after unmounting $mnt; killing it"
		kill -9 "$pid" 2>/dev/null || true
	fi
}

unmount_all() {
	local k kind mnt pidfile
	for ((k = ${#MOUNTS[@]} - 1; k >= 0; k--)); do
		IFS='|' read -r kind mnt pidfile <<<"${MOUNTS[k]}"
		unmount_one "$kind" "$mnt" "$pidfile"
	done
	MOUNTS=()
}

cleanup() {
	local rc=$?
	set +e
	if [ -n "$DYN_PID" ]; then
		kill "$DYN_PID" 2>/dev/null
		wait "$DYN_PID" 2>/dev/null
	fi
	stop_serve
	unmount_all
	[ -z "$AUX" ] || unmount_one tmpfs "$AUX" ""
	if awk -v w="$WORK/" 'index($2, w) == 1 { found = 1 } END { exit !found }' /proc/mounts
	then
		warn "something is still mounted under $WORK; left in place"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Each mount is recorded before it is made, so a half-made one is undone too.
mount_tmpfs() {
	mkdir -p "$1"
	MOUNTS+=("tmpfs|$1|")
	mount -t tmpfs -o size=8g,mode=0755 bench-tmpfs "$1"
}

mount_ceiling() { # MNT PIDFILE
	mkdir -p "$1"
	MOUNTS+=("fuse|$1|$2")
	CEILINGFS_PIDFILE=$2 T 20 "$B/ceilingfs" "$1"
}

mount_ddbfs() { # DATA MNT [ddbfs options...]
	local data=$1 mnt=$2
	shift 2
	mkdir -p "$mnt"
	MOUNTS+=("fuse|$mnt|$data/ddbfs.lock")
	T 30 "$ROOT/$BUILD/ddbfs" "$data" "$mnt" "$@"
}

# start_dynalite: dynalite from the npm registry into $WORK/npm, on a free
# loopback port (DYN_PORT); a message and no port if that cannot be done.
start_dynalite() {
	DYN_PORT=
	if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
		say "dynalite needs node and npm: apt-get install nodejs npm"
		DEBIAN_FRONTEND=noninteractive T 600 apt-get install -y -qq nodejs npm >/dev/null 2>&1 ||
			true
	fi
	if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
		warn "npm or node is missing: no dynalite figures (apt-get install nodejs npm)"
		return 0
	fi
	say "dynalite: npm install into $WORK/npm"
	mkdir -p "$WORK/npm"
	if ! (cd "$WORK/npm" && T 300 npm install --no-audit --no-fund --no-save --silent \
		dynalite@4 >npm.log 2>&1); then
		warn "npm install dynalite failed: no dynalite figures. npm said:"
		tail -5 "$WORK/npm/npm.log" >&2
		return 0
	fi
	(cd "$WORK/npm" && exec node -e '
		const d = require("dynalite")({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
		d.listen(0, "127.0.0.1", () => console.log("PORT " + d.address().port));
	') >"$WORK/dynalite.log" 2>&1 &
	DYN_PID=$!
	for _ in $(seq 1 200); do
		DYN_PORT=$(awk '/^PORT / { print $2 }' "$WORK/dynalite.log")
		[ -n "$DYN_PORT" ] && break
		kill -0 "$DYN_PID" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$DYN_PORT" ]; then
		warn "dynalite did not start: no dynalite figures"
		cat "$WORK/dynalite.log" >&2
		stop_dynalite
	else
		say "dynalite listening on 127.0.0.1:$DYN_PORT"
	fi
}

stop_dynalite() {
	if [ -n "$DYN_PID" ]; then
		kill "$DYN_PID" 2>/dev/null || true
		wait "$DYN_PID" 2>/dev/null || true
	fi
	DYN_PID=
	DYN_PORT=
}

run_mounts() {
	local n targets cmds tmo
	say "source tree for cp and rsync: 10,000 items"
	mkdir -p "$WORK/aux"
	AUX=$WORK/aux
	mount -t tmpfs -o size=2g bench-tmpfs "$AUX" ||
		warn "no tmpfs for the source tree; it lives on disk"
	"$B/bench" gen "$WORK/aux/src" --n 10000
	mkdir -p "$WORK/aux/scratch"
	start_dynalite
	for n in $NS; do
		say "N=$n: tmpfs, ceilingfs and ddbfs side by side"
		targets=()
		if mount_tmpfs "$WORK/tmpfs-$n"; then
			targets+=(--target "tmpfs=$WORK/tmpfs-$n")
		else
			warn "cannot mount a tmpfs: no tmpfs figures"
		fi
		if mount_ceiling "$WORK/ceil-$n" "$WORK/ceil-$n.pid"; then
			targets+=(--target "ceiling=$WORK/ceil-$n" --pid-file "ceiling=$WORK/ceil-$n.pid")
		else
			warn "cannot mount ceilingfs: no ceiling figures"
		fi
		if mount_ddbfs "$WORK/data-$n" "$WORK/dd-$n"; then
			targets+=(--target "ddbfs=$WORK/dd-$n" --pid-file "ddbfs=$WORK/data-$n/ddbfs.lock")
		else
			warn "cannot mount ddbfs: no ddbfs figures"
		fi
		cmds=()
		if [ "$n" != "$FIRST" ]; then
			cmds=(--no-commands)
		elif [ -n "$DYN_PORT" ]; then
			# its puts and gets take turns with the mounts'
			cmds=(--dynalite "$DYN_PORT")
		fi
		tmo=$((300 + n / 50))
		T "$tmo" "$B/bench" run "${targets[@]}" --n "$n" --out "$RES" \
			--src "$WORK/aux/src" --scratch "$WORK/aux/scratch" --reps "$REPS" \
			"${cmds[@]}" ||
			warn "the run at N=$n failed or timed out; its figures are incomplete"
		unmount_all
		rm -rf "$WORK/data-$n"

		say "N=$n: raw LMDB and the engine, same process"
		T 900 "$B/rawlmdb" "$WORK/lmdb-$n" --n "$n" --durable 1000 --out "$RES" ||
			warn "rawlmdb failed"
		rm -rf "$WORK/lmdb-$n"
	done

	say "TTL: one sweep of 10 expired items among 10,000 and among 200,000 (engine)"
	mkdir -p "$WORK/sweep"
	T 600 "$B/sweep" "$WORK/sweep" "$RES" 10000 200000 || warn "the sweep bench failed"
	rm -rf "$WORK/sweep"

	say "points in time through the mount: 10,000 items read live and at a point"
	mount_ddbfs "$WORK/pitr-data" "$WORK/pitr-mnt" &&
		mkdir "$WORK/pitr-mnt/Pitr" &&
		setfattr -n user.ddb.pitr -v on "$WORK/pitr-mnt/Pitr" &&
		T 600 "$B/bench" put --target "live=$WORK/pitr-mnt/Pitr" --n 10000 \
			--out /dev/null >/dev/null &&
		sleep 1.1 && at=$(date +%s) && sleep 1.1 &&
		T 600 "$B/bench" readback --target "point=$WORK/pitr-mnt/Pitr/.snapshots/@$at" \
			--target "live=$WORK/pitr-mnt/Pitr" --n 10000 --out "$RES" ||
		warn "the points-in-time mount bench failed"
	unmount_all
	rm -rf "$WORK/pitr-data"

	run_backups
	run_transfer 100000

	say "points in time: 1,000 changes after T among 10,000 and among 200,000 items (engine)"
	mkdir -p "$WORK/pitr"
	T 900 "$B/pitr" "$WORK/pitr" "$RES" 10000 200000 || warn "the points-in-time bench failed"
	rm -rf "$WORK/pitr"

	say "the hot-read lever: the ceiling, and the ceiling without OPEN, RELEASE and FLUSH"
	if mount_ceiling "$WORK/ceil-lever" "$WORK/ceil-lever.pid" &&
		CEILINGFS_NOOPEN=1 mount_ceiling "$WORK/ceil-noopen" "$WORK/ceil-noopen.pid"; then
		T 600 "$B/bench" reads --target "ceiling_open=$WORK/ceil-lever" \
			--pid-file "ceiling_open=$WORK/ceil-lever.pid" \
			--target "ceiling_noopen=$WORK/ceil-noopen" \
			--pid-file "ceiling_noopen=$WORK/ceil-noopen.pid" \
			--n "$FIRST" --label "$FIRST" --out "$RES" || warn "the lever run failed"
	fi
	unmount_all

	say "the cache: a cold read with the daemon's cache warm, beside cache=off"
	if mount_ddbfs "$WORK/data-cache" "$WORK/dd-cache" &&
		mount_ddbfs "$WORK/data-nocache" "$WORK/dd-nocache" -o cache=off; then
		T 600 "$B/bench" cachereads --target "ddbfs_cache=$WORK/dd-cache" \
			--pid-file "ddbfs_cache=$WORK/data-cache/ddbfs.lock" \
			--target "ddbfs_nocache=$WORK/dd-nocache" \
			--pid-file "ddbfs_nocache=$WORK/data-nocache/ddbfs.lock" \
			--n "$FIRST" --label "$FIRST" --out "$RES" || warn "the cache run failed"
	fi
	unmount_all

	say "ddbfs -o sync=always: 1,000 puts, taking turns with raw durable LMDB commits"
	if mount_ddbfs "$WORK/data-sync" "$WORK/dd-sync" -o sync=always; then
		T 600 "$B/bench" put --target "ddbfs=$WORK/dd-sync/Durable" --n 1000 \
			--figure put_sync_always --lmdb-durable "$WORK/lmdb-sync" \
			--label "$FIRST" --out "$RES" ||
			warn "the sync=always run failed"
	fi
	unmount_all

	if [ -n "$DYN_PORT" ]; then
		say "dynalite on its own: PutItem, GetItem, UpdateItem, Query, sequential and 8 in flight"
		T 600 "$B/dynaclient" --port "$DYN_PORT" --n 2000 --no-create --label "$FIRST" \
			--out "$RES" || warn "the dynalite client failed; its figures are incomplete"
	fi
	stop_dynalite
	run_endpoint
}

# free_port: a loopback port nothing listens on now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_serve DATA PORT [wait]: ddbfs serve in the background (SERVE_PID);
# with wait, until it answers.
start_serve() {
	"$ROOT/$BUILD/ddbfs" serve "$1" --listen "127.0.0.1:$2" 2>>"$WORK/serve.log" &
	SERVE_PID=$!
	if [ -n "${3:-}" ]; then
		T 30 "$B/dynaclient" --port "$2" --n 1 --first-since "$(date +%s%N)" \
			--out /dev/null >/dev/null || warn "ddbfs serve did not answer"
	fi
}

stop_serve() {
	if [ -n "${SERVE_PID:-}" ]; then
		kill "$SERVE_PID" 2>/dev/null || true
		wait "$SERVE_PID" 2>/dev/null || true
	fi
	SERVE_PID=
}

# The endpoint (SPEC §14): ddbfs serve measured by the client that measures
# dynalite, with the same requests; its first answer after it starts.
run_endpoint() {
	local port data=$WORK/api-data i since
	echo "$FIRST ddbfs_api p50_limit 0.1 ms" >>"$RES"
	echo "$FIRST ddbfs_api first_answer_limit 50 ms" >>"$RES"
	say "ddbfs serve: the first answer after start (5 starts)"
	for i in 1 2 3 4 5; do
		rm -rf "$data"
		mkdir -p "$data"
		port=$(free_port)
		since=$(date +%s%N)
		start_serve "$data" "$port"
		T 30 "$B/dynaclient" --port "$port" --n 1 --system ddbfs_api --first-since "$since" \
			--label "$FIRST" --out "$WORK/first.res" || warn "ddbfs serve did not answer"
		stop_serve
	done
	# the median of the five
	sort -g -k4 "$WORK/first.res" | sed -n 3p >>"$RES"
	rm -rf "$data"
	mkdir -p "$data"
	port=$(free_port)
	start_serve "$data" "$port" wait
	say "ddbfs serve: PutItem, GetItem, UpdateItem, Query, sequential and 8 in flight"
	T 600 "$B/dynaclient" --port "$port" --n 2000 --system ddbfs_api --label "$FIRST" \
		--out "$RES" || warn "the endpoint client failed; its figures are incomplete"
	stop_serve
	rm -rf "$data"
}

# secs CMD...: run CMD, print the seconds it took.
secs() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", (b - a) / 1e9 }'
}

# fig N TARGET FIGURE VALUE UNIT: one result line.
fig() {
	printf '  %-8s %-22s %14s %s\n' "$2" "$3" "$4" "$5"
	echo "$1 $2 $3 $4 $5" >>"$RES"
}

# Backups (SPEC §12) of a 100,000-item table against cp -r of it through the
# mount; a writer's put rate while a backup runs, against its rate without;
# a restore of the 100,000 items against cp -r of 10,000 into the mount.
run_backups() {
	local m=$WORK/bk-mnt s
	say "backups: a 100,000-item table, backed up, copied with cp -r, restored"
	if ! mount_ddbfs "$WORK/bk-data" "$m"; then
		warn "cannot mount ddbfs: no backup figures"
		return 0
	fi
	if mkdir "$m/Big" && T 900 "$B/bench" put --target "big=$m/Big" --n 100000 \
		--out /dev/null >/dev/null; then
		s=$(secs T 600 mkdir "$m/Big/.snapshots/full") && fig 100000 ddbfs backup "$s" s
		s=$(secs T 900 cp -r "$m/Big" "$m/BigCopy") && fig 100000 ddbfs cp_r_table "$s" s
		s=$(secs T 600 setfattr -n user.ddb.restore_to -v Restored "$m/Big/.snapshots/full") &&
			fig 100000 ddbfs restore "$s" s
		s=$(secs T 600 cp -r "$WORK/aux/src" "$m/Cp10k") && fig 10000 ddbfs cp_r_10k "$s" s
		[ "$(find "$m/Restored" -name '*.json' | wc -l)" = 100000 ] ||
			warn "the restored table does not hold 100,000 items"
		# a writer alone, then while one backup of the 100,000 items runs
		mkdir "$m/Alone" "$m/During"
		T 600 "$B/bench" during --target "alone=$m/Alone" --target "during=$m/During" \
			--n 20000 --label 100000 --out "$RES" -- mkdir "$m/Big/.snapshots/during" ||
			warn "the writer during a backup failed"
	else
		warn "filling the table to back up failed: no backup figures"
	fi
	unmount_all
	rm -rf "$WORK/bk-data"
}

# Export and import (SPEC §13) of XN items of 1 KB (DynamoDB JSON, varied
# text so gzip has work): ddbfs export against rsync -a of the table out
# through the mount, ddbfs import against rsync -a of those files into a
# table and against raw LMDB batched puts of the same lines; the daemon's
# own memory (RssAnon: its heap and stacks, not the pages of the LMDB map,
# which are the file's page cache) during the import against idle (only
# this past 100,000 items).
run_transfer() {
	local m=$WORK/xf-mnt d=$WORK/xf-data src=$WORK/xf-items.json n=$1 s pid idle peak
	say "export and import: $n items of 1 KB; rsync -a out and in; raw LMDB batched puts"
	python3 -c '
import random, sys
random.seed(1)
words = ["%x" % random.getrandbits(40) for _ in range(4096)]
for i in range(int(sys.argv[1])):
    pad = " ".join(random.choice(words) for _ in range(95))
    print("{\"Item\":{\"id\":{\"S\":\"k%07d\"},\"n\":{\"N\":\"%d\"},\"pad\":{\"S\":\"%s\"}}}" % (i, i, pad[:980]))
' "$n" >"$src" || { warn "cannot make the items to import"; return 0; }
	if ! mount_ddbfs "$d" "$m"; then
		warn "cannot mount ddbfs: no export or import figures"
		return 0
	fi
	pid=$(tr -dc 0-9 <"$d/ddbfs.lock")
	idle=$(awk '/^RssAnon/ { print $2 }' "/proc/$pid/status")
	: >"$WORK/xf-rss"
	( while kill -0 "$pid" 2>/dev/null; do
		awk '/^RssAnon/ { print $2 }' "/proc/$pid/status" >>"$WORK/xf-rss" 2>/dev/null
		sleep 0.05
	done ) &
	local sampler=$!
	if s=$(secs T 900 "$ROOT/$BUILD/ddbfs" import "$src" "$m" Xfer --format ddb --pk id:S --quiet); then
		fig "$n" ddbfs import "$s" s
	else
		warn "ddbfs import failed"
	fi
	kill "$sampler" 2>/dev/null || true
	wait "$sampler" 2>/dev/null || true
	peak=$(sort -n "$WORK/xf-rss" | tail -1)
	[ -n "$peak" ] && fig "$n" ddbfs import_rss_growth "$(awk -v a="$peak" -v b="$idle" 'BEGIN { printf "%.1f", (a - b) / 1024 }')" MB
	fig "$n" ddbfs import_rss_limit 64 MB
	if [ "$n" -gt 100000 ]; then # the memory figure only: rsync would take long
		unmount_all
		rm -rf "$d" "$src" "$WORK/xf-rss"
		return 0
	fi
	T 900 "$B/rawbatch" "$WORK/xf-raw" "$src" --label "$n" --out "$RES" || warn "rawbatch failed"
	rm -rf "$WORK/xf-raw"
	setfattr -n user.ddb.pitr -v on "$m/Xfer"
	s=$(secs T 900 "$ROOT/$BUILD/ddbfs" export "$m/Xfer" "$WORK/xf-export" --quiet) &&
		fig "$n" ddbfs export "$s" s
	s=$(secs T 1800 rsync -a "$m/Xfer/" "$WORK/xf-rsync/") && fig "$n" ddbfs rsync_out_table "$s" s
	mkdir "$m/Xfer2" && setfattr -n user.ddb.key_schema -v id:S "$m/Xfer2"
	s=$(secs T 1800 rsync -a "$WORK/xf-rsync/" "$m/Xfer2/") && fig "$n" ddbfs rsync_in_table "$s" s
	[ "$(find "$m/Xfer2" -name '*.json' | wc -l)" = "$n" ] || warn "rsync in did not copy $n items"
	unmount_all
	rm -rf "$d" "$src" "$WORK/xf-export" "$WORK/xf-rsync" "$WORK/xf-rss"
}

run_scale() {
	local n port data=$WORK/scale-data mnt=$WORK/scale-mnt
	for n in $NS; do
		say "scale: engine load to $n items, then cost per operation"
		T 3600 "$B/scale" "$data" --to "$n" --k 5000 --raw "$WORK/scale-raw" --out "$RES"
		echo "$n engine data_mb $(du -sm "$data" | cut -f1) MB" >>"$RES"
		# the LMDB map in the page cache at both sizes: this measures the
		# structures, not the disk
		cat "$data/data.mdb" >/dev/null
		say "scale: ddbfs on $n items: cost per operation, then list all and RSS"
		mount_ddbfs "$data" "$mnt"
		T 3600 "$B/bench" sample --target "ddbfs=$mnt/Bench" \
			--pid-file "ddbfs=$data/ddbfs.lock" --n "$n" --k 2000 --walk --drop 2 \
			--out "$RES" || warn "the mount-level sample at $n failed"
		unmount_all
		say "scale: GetItem through ddbfs serve among $n items"
		port=$(free_port)
		start_serve "$data" "$port" wait
		T 600 "$B/dynaclient" --port "$port" --n 5000 --gets-among "$n" --system ddbfs_api \
			--label "$n" --out "$RES" || warn "the endpoint at $n failed"
		stop_serve
	done
}

# Bytes on disk per byte of item JSON: 10,000 items of 1 KB and 873 of
# 100 KB, each without a stream and with a NEW_AND_OLD_IMAGES one.
run_space() {
	local n size view fig
	say "space: bytes DATA_DIR takes on disk per byte of item JSON"
	while read -r n size view fig; do
		T 1800 "$B/space" "$WORK/space-$fig" --n "$n" --size "$size" --stream "$view" \
			--figure "$fig" --out "$RES" || warn "the space figure $fig failed"
		rm -rf "$WORK/space-$fig"
	done <<-EOF
		10000 1024 OFF disk_1k
		10000 1024 NEW_AND_OLD_IMAGES disk_1k_stream
		873 102400 OFF disk_100k
		873 102400 NEW_AND_OLD_IMAGES disk_100k_stream
	EOF
}

if [ "$MODE" = scale ]; then
	run_space
	run_scale
	run_transfer 1000000
else
	run_mounts
fi
"$B/report" "$RES" --json "$JSON" --command "$CMD" --load "$LOAD"
echo "($CMD took $SECONDS s)"
