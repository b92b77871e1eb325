#!/bin/bash
# Mounts DATA_DIR on MOUNTPOINT with the freshly built ddbfs (make run).
# A new DATA_DIR gets a small example table, Music, so there is something
# to look at.
set -eu
cd "$(dirname "$0")/.."
data=${1:-$PWD/data}
mnt=${2:-$PWD/mnt}
shift 2 || true

# a mount whose daemon died (kill -9) answers "not connected": ddbfs
# clears it and mounts again
mkdir -p "$mnt" 2>/dev/null || true
if mountpoint -q "$mnt" && ls "$mnt" >/dev/null 2>&1; then
	echo "ddbfs: $mnt is already mounted (fusermount3 -u $mnt to unmount)"
	exit 0
fi
fresh=0
[ -e "$data/data.mdb" ] || fresh=1
./build/ddbfs "$data" "$mnt" "$@"
if [ "$fresh" = 1 ]; then
	./build/ddbfs create-table "$mnt" Music --pk artist:S --sk song:S
	mkdir "$mnt/Music/Queen" "$mnt/Music/Nina Simone"
	echo '{"album":"Innuendo","year":1991,"genres":{"SS":["rock","opera"]}}' >"$mnt/Music/Queen/Innuendo.json"
	echo '{"album":"A Night at the Opera","year":1975,"length":355.5}' >"$mnt/Music/Queen/Bohemian Rhapsody.json"
	echo '{"album":"I Put a Spell on You","year":1965,"live":false}' >"$mnt/Music/Nina Simone/Feeling Good.json"
fi
cat <<TXT
ddbfs: $data is mounted on $mnt
  ls $mnt/Music/Queen
  cat "$mnt/Music/Queen/Innuendo.json"
  fusermount3 -u $mnt          # unmount
TXT
