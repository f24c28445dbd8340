#!/bin/sh
# Write sample MCAP files with hdaq's writer (write_sample.c) and check each
# with the official TypeScript reader (verify.mjs): indexed and stream
# reading, CRCs, statistics, and content against the expected JSON.  Then
# copy real logs from test/data through hdaq's reader and writer
# (rewrite.c) and check that each copy holds what the original holds.
#
# Usage: test/mcapjs/run.sh   (from anywhere)
# The two programs are built by the Makefile (make test-programs; this
# script asks make for them), the node modules installed by
# tools/install-deps --test.
# Prints one ok/not ok line per file, then "N passed, M failed".
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$here/out"

make -s -C "$root" test/mcapjs/write_sample test/mcapjs/rewrite
cd "$here"
if [ ! -d node_modules/@mcap/core ]; then
	echo "test/mcapjs/node_modules is missing: run tools/install-deps --test" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

rm -rf "$out"
mkdir -p "$out"
./write_sample "$out"

passed=0
failed=0
for file in "$out"/*.mcap; do
	if node verify.mjs "$file" "${file%.mcap}.json"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
# real logs: name | compression | chunk size of the copy
fixtures="keelson/keelson_test.mcap|zstd|0
rosbag2/rosbag2_tests_resources_mcap_cdr_test_cdr_test_0.mcap|lz4|4096
rosbag2/rosbag2_py_test_resources_mcap_wbag_wbag_0.mcap||0
hytech/hytech-foxglove-extensions/10_up_CCW.mcap|lz4|0
hytech/drivebrain_software_2026/test1_34264.mcap|zstd|65536"
echo "$fixtures" | while IFS='|' read -r name compression chunk_size; do
	src="$root/test/data/$name"
	copy="$out/copy_$(basename "$name")"
	if [ ! -f "$src" ]; then
		echo "not ok - $name: fixture missing"
		echo fail >>"$out/results"
	elif ./rewrite "$src" "$copy" "$compression" "$chunk_size" &&
		node dump.mjs "$src" >"$copy.orig.json" &&
		node verify.mjs "$copy" "$copy.orig.json" --ignore=header; then
		echo pass >>"$out/results"
	else
		echo "not ok - copy of $name"
		echo fail >>"$out/results"
	fi
done
if [ -f "$out/results" ]; then
	passed=$((passed + $(grep -c pass "$out/results" || true)))
	failed=$((failed + $(grep -c fail "$out/results" || true)))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
