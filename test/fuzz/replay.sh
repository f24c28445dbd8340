#!/usr/bin/env bash
# Build every libFuzzer target (make fuzz) and run each once over its seed
# corpus (test/fuzz/corpus/<target>, the reader's is corpus/reader): the
# targets keep building, and no seed crashes, leaks or trips a sanitizer.
# With --seconds N (make fuzz-smoke, which make test runs), each target
# then fuzzes for N seconds from a scratch copy of its corpus, so that a
# shallow crash is found by every test run.  Long fuzzing runs are done by
# hand (test/fuzz/README.md).  Ends with "N passed, M failed".
set -u
seconds=0
if [ "${1:-}" = --seconds ]; then
	seconds=${2:?--seconds takes a number}
fi
cd "$(dirname "$0")/../.."
mkdir -p build/test-logs
pass=0
fail=0
if ! make -s fuzz; then
	echo "not ok - the fuzz targets build"
	echo "0 passed, 1 failed"
	exit 1
fi
for src in test/fuzz/fuzz_*.c; do
	target=${src%.c}
	name=$(basename "$target")
	corpus=test/fuzz/corpus/$name
	[ "$name" = fuzz_reader ] && corpus=test/fuzz/corpus/reader
	if [ ! -d "$corpus" ]; then
		echo "not ok - $name: no seed corpus at $corpus"
		fail=$((fail + 1))
		continue
	fi
	n=$(find "$corpus" -type f | wc -l)
	if "$target" -runs=0 -rss_limit_mb=2048 -timeout=60 "$corpus" >"build/test-logs/replay-$name.log" 2>&1; then
		echo "ok - $name: $n seeds"
		pass=$((pass + 1))
	else
		echo "not ok - $name: $n seeds"
		tail -n 30 "build/test-logs/replay-$name.log"
		fail=$((fail + 1))
	fi
	[ "$seconds" -gt 0 ] || continue
	scratch=$(mktemp -d)
	cp "$corpus"/* "$scratch"/
	if "$target" -max_total_time="$seconds" -max_len=32768 -rss_limit_mb=2048 -timeout=10 \
		-artifact_prefix="build/test-logs/fuzz-$name-" "$scratch" >"build/test-logs/smoke-$name.log" 2>&1; then
		echo "ok - $name: fuzzed for $seconds s"
		pass=$((pass + 1))
	else
		echo "not ok - $name: fuzzing for $seconds s found a failure (build/test-logs/fuzz-$name-*)"
		tail -n 30 "build/test-logs/smoke-$name.log"
		fail=$((fail + 1))
	fi
	rm -rf "$scratch"
done
echo "${pass} passed, ${fail} failed"
[ "$fail" -eq 0 ]
