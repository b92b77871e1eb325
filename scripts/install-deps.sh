#!/bin/sh
# Installs everything ddbfs needs to build, test and benchmark on Debian 12.
# Idempotent: a machine that has it all is left alone (no network touched).
# With --fuzz: only what `make fuzz` needs: the build's own packages,
# clang and its libFuzzer runtime.
set -eu

# install_missing PKG...: apt-get installs those of PKG not installed yet.
install_missing() {
	missing=""
	for p in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
			missing="$missing $p"
		fi
	done
	if [ -n "$missing" ]; then
		echo "install-deps: installing:$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends $missing >/dev/null
	fi
}

BUILD_PKGS="build-essential pkg-config libfuse3-dev liblmdb-dev libcjson-dev zlib1g-dev
libzstd-dev libssl-dev libmicrohttpd-dev"

if [ "${1:-}" = "--fuzz" ]; then
	# shellcheck disable=SC2086
	install_missing $BUILD_PKGS clang libclang-rt-14-dev
	exit 0
fi

# shellcheck disable=SC2086
install_missing $BUILD_PKGS fuse3 lmdb-utils zstd gzip \
	bats bats-support bats-assert attr rsync jq inotify-tools vim-nox python3 perl \
	tar findutils grep sed coreutils procps psmisc util-linux curl awscli python3-boto3
# ion-js, the independent Ion reader the export tests compare with, and
# the JavaScript SDK the endpoint's tests drive (tests/tools/package.json
# pins them; package-lock.json fixes the tree).
tools="$(dirname "$0")/../tests/tools"
if ! command -v node >/dev/null 2>&1; then
	echo "install-deps: installing: nodejs npm"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if [ ! -d "$tools/node_modules/ion-js" ] || [ ! -d "$tools/node_modules/@aws-sdk/client-dynamodb" ] ||
	[ ! -d "$tools/node_modules/@aws-sdk/client-dynamodb-streams" ]; then
	echo "install-deps: installing ion-js and the AWS SDK for JavaScript in tests/tools"
	(cd "$tools" && npm ci --silent --no-audit --no-fund)
fi
if [ ! -e /dev/fuse ]; then
	echo "install-deps: /dev/fuse is missing; FUSE mounts cannot work here" >&2
	exit 1
fi
