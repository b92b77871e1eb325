# Shared set-up for the behaviour tests: each test mounts a fresh DATA_DIR
# on its own mount point (under /var/tmp: vim skips its backup dance under
# /tmp), and teardown always unmounts and stops the daemon, even when the
# test failed. Every step that touches a mount runs under `timeout`.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

DDBFS=${DDBFS:-$BATS_TEST_DIRNAME/../../build/ddbfs}
T="timeout 20"

# new_testroot: a fresh TESTROOT with DATA (not made) and MNT (made).
new_testroot() {
	TESTROOT=$(mktemp -d /var/tmp/ddbfs-bats.XXXXXX)
	DATA=$TESTROOT/data
	MNT=$TESTROOT/mnt
	mkdir -p "$MNT"
}

# mount_ddbfs [ddbfs options...]: mounts $DATA on $MNT.
mount_ddbfs() {
	[ -n "${TESTROOT:-}" ] || new_testroot
	$T "$DDBFS" "$DATA" "$MNT" "$@"
}

# mount_with_item: a mount with table Orders holding item p/x.json ($ORIG).
mount_with_item() {
	mount_ddbfs
	new_table Orders
	$T mkdir "$MNT/Orders/p"
	echo '{"a":1}' >"$MNT/Orders/p/x.json"
	ORIG='{"PK":"p","SK":"x","a":1}'
}

daemon_pid() {
	[ -f "$DATA/ddbfs.lock" ] && tr -dc 0-9 <"$DATA/ddbfs.lock"
}

# unmount_ddbfs: unmounts and waits for the daemon to exit; a daemon that
# will not go is killed, so no test leaves one behind.
unmount_ddbfs() {
	local pid i
	[ -n "${MNT:-}" ] || return 0
	pid=$(daemon_pid || true)
	timeout 10 fusermount3 -u "$MNT" 2>/dev/null || timeout 10 fusermount3 -uz "$MNT" 2>/dev/null || true
	if [ -n "$pid" ]; then
		for i in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			kill -9 "$pid" 2>/dev/null || true
			timeout 10 fusermount3 -uz "$MNT" 2>/dev/null || true
			return 1
		fi
	fi
	return 0
}

setup() {
	mount_ddbfs
}

teardown() {
	stop_serve
	unmount_ddbfs || true
	[ -n "${TESTROOT:-}" ] && rm -rf "$TESTROOT"
	TESTROOT=
}

# new_table NAME [SCHEMA]: mkdir and, if given, set the key schema.
new_table() {
	$T mkdir "$MNT/$1"
	if [ -n "${2:-}" ]; then
		$T setfattr -n user.ddb.key_schema -v "$2" "$MNT/$1"
	fi
}

# last_error: the newest line of .ddbfs/errors.
last_error() {
	$T tail -n 1 "$MNT/.ddbfs/errors"
}

# write_fails FILE CONTENT [append]: writing CONTENT to FILE fails (at close,
# which bash's own redirections do not report, so python writes it).
write_fails() {
	run $T python3 -c "
import sys
with open(sys.argv[1], 'a' if len(sys.argv) > 3 else 'w') as f:
    f.write(sys.argv[2])
" "$@"
	assert_failure
}

# now: the mount's clock (-o test_clock), in UTC seconds.
now() {
	cut -d' ' -f2 <"$MNT/.ddbfs/clock"
}

# iso SECONDS: the name of the point in time of that second.
iso() {
	date -u -d "@$1" +@%Y-%m-%dT%H:%M:%SZ
}

# advance SECONDS: move the test clock forward.
advance() {
	echo "+$1" >"$MNT/.ddbfs/clock"
}

# ---- the HTTP endpoint (SPEC §14): ddbfs serve, the AWS CLI ----

AWS=/usr/bin/aws
PY=/usr/bin/python3
# a SigV4 Authorization header as the SDKs send it (its signature is not checked)
SIGV4='AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7'

# free_port: a TCP port free on 127.0.0.1 now.
free_port() {
	$PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# answers [PORT]: the endpoint on PORT (default $PORT) answers a request.
answers() {
	curl -s -m 2 -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:${1:-$PORT}/" \
		-H 'X-Amz-Target: DynamoDB_20120810.ListExports' \
		-H 'Content-Type: application/x-amz-json-1.0' -H 'X-Amz-Date: 20261127T000000Z' \
		-H "Authorization: $SIGV4" -d '{}' | grep -qx 200
}

# start_serve [ARGS...]: ddbfs serve $DATA on $LISTEN (default
# 127.0.0.1:$PORT) in the background
# (SPID), its stderr in $TESTROOT/serve.err; waits up to 5 s for its
# first answer.
start_serve() {
	"$DDBFS" serve "$DATA" --listen "${LISTEN:-127.0.0.1:$PORT}" "$@" 2>"$TESTROOT/serve.err" 3>&- &
	SPID=$!
	for _ in $(seq 1 500); do
		answers && return 0
		kill -0 "$SPID" 2>/dev/null || return 1
		sleep 0.01
	done
	return 1
}

# stop_serve: SIGTERM to ddbfs serve, waited for (killed after 10 s); its
# exit status in SERVE_RC.
stop_serve() {
	SERVE_RC=
	[ -n "${SPID:-}" ] || return 0
	kill "$SPID" 2>/dev/null || true
	for _ in $(seq 1 100); do
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$SPID" 2>/dev/null || true
	SERVE_RC=0
	wait "$SPID" 2>/dev/null || SERVE_RC=$?
	SPID=
}

# ddb ARGS...: the AWS CLI's dynamodb command on the endpoint.
ddb() {
	AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y AWS_PAGER="" AWS_CONFIG_FILE=/dev/null \
		AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
		$T $AWS dynamodb "$@" --endpoint-url "http://127.0.0.1:$PORT" --region us-east-1 \
		--output json
}
