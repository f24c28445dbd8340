#!/bin/sh
# Compare src/decode with independent decoders on every message of the real
# MCAP logs and on synthetic messages (see compare.js).  Prints one line per
# (file, channel) and "N passed, M failed"; exits non-zero on failure.
#
# usage: test/decode/run-compare.sh [DATA_DIR]
#   DATA_DIR holds hytech/, keelson/ and rosbag2/ (default: test/data).
# Needs node with the packages of test/decode (tools/install-deps --test
# installs them); decode_stream is built by the Makefile (make
# test-programs; this script asks make for it).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
data=${1:-$root/test/data}

make -s -C "$root" test/decode/decode_stream
if [ ! -d "$here/node_modules" ]; then
	echo "test/decode/node_modules is missing: run tools/install-deps --test" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

files=$(find "$data/hytech" "$data/keelson" "$data/rosbag2" -name '*.mcap' 2>/dev/null | sort || true)
if [ -z "$files" ]; then
	echo "# no MCAP logs under $data: comparing synthetic messages only"
fi
# shellcheck disable=SC2086
exec node "$here/compare.js" "$root/test/decode/decode_stream" $files
