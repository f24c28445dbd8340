#!/bin/sh
# Write sample MCAP files with hdaq's writer (write_sample.c) and check each
# with the official TypeScript reader (verify.mjs): indexed and stream
# reading, CRCs, statistics, and content against the expected JSON.  Then
# copy real logs from test/data through hdaq's reader and writer
# (rewrite.c) and check that each copy holds what the original holds.
#
# Usage: test/mcapjs/run.sh   (from anywhere; installs node modules if absent)
# Prints one ok/not ok line per file, then "N passed, M failed".
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$here/out"
cc=${CC:-cc}

cd "$here"
if [ ! -d node_modules/@mcap/core ]; then
	npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi

# the MCAP core is one library: build the tools against all of it
build() {
	if [ ! -x "$1" ] || [ -n "${REBUILD:-}" ] || \
		[ -n "$(find "$root/src/mcap" "$root/src/common" "$1.c" -newer "$1" 2>/dev/null)" ]; then
		$cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -I"$root/src/common" -I"$root/src/mcap" \
			-o "$1" "$1.c" "$root"/src/mcap/*.c "$root"/src/common/*.c -lzstd -llz4 -lz -lm
	fi
}
build write_sample
build rewrite

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
