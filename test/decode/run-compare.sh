#!/bin/sh
# Compare src/decode with independent decoders on every message of the real
# MCAP logs and on synthetic messages (see compare.js).  Prints one line per
# (file, channel) and "N passed, M failed"; exits non-zero on failure.
#
# usage: test/decode/run-compare.sh [DATA_DIR]
#   DATA_DIR holds hytech/, keelson/ and rosbag2/ (default: test/data).
# Needs node and npm (the packages are installed by `npm ci` when missing)
# and a C compiler (CC, default cc).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
data=${1:-$root/test/data}
cc=${CC:-cc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -d "$here/node_modules" ]; then
	(cd "$here" && npm ci --silent --no-audit --no-fund)
fi

$cc -std=c11 -O2 -I"$root/src/common" -o "$work/decode_stream" "$here/decode_stream.c" \
	"$root"/src/decode/*.c "$root"/src/common/*.c -lm

files=$(find "$data/hytech" "$data/keelson" "$data/rosbag2" -name '*.mcap' 2>/dev/null | sort || true)
if [ -z "$files" ]; then
	echo "# no MCAP logs under $data: comparing synthetic messages only"
fi
# shellcheck disable=SC2086
exec node "$here/compare.js" "$work/decode_stream" $files
