#!/bin/sh
# Run the MCAP conformance suite against test/conformance/reader.
#
#   test/conformance/run.sh [READER]
#
# Every file is read in streamed mode; files whose features include ch, chx,
# mx, rch and rsh and that hold messages are also read in indexed mode.  The
# output is compared with the expected JSON as a JSON value (see
# test/conformance/data/README.md).  Prints one ok/not ok line per file and
# mode, then "N passed, M failed"; exits non-zero if anything failed.

here=$(cd "$(dirname "$0")" && pwd)
reader=${1:-$here/reader}

exec python3 - "$reader" "$here/data" <<'EOF'
import json
import os
import subprocess
import sys

reader, data_dir = sys.argv[1], sys.argv[2]
INDEXED_FEATURES = {"ch", "chx", "mx", "rch", "rsh"}


def features_of(name):
    return set(name[:-len(".mcap")].split("-")[1:])


def field(record, name):
    for key, value in record["fields"]:
        if key == name:
            return value
    raise KeyError(name)


def unique_by_id(records):
    by_id = {}
    for r in records:
        by_id.setdefault(int(field(r, "id")), r)
    return [by_id[k] for k in sorted(by_id)]


def expected_indexed(records):
    of = lambda t: [r for r in records if r["type"] == t]
    return {
        "schemas": unique_by_id(of("Schema")),
        "channels": unique_by_id(of("Channel")),
        # sorted() is stable: ties keep file order
        "messages": sorted(of("Message"), key=lambda r: int(field(r, "log_time"))),
        "statistics": of("Statistics"),
    }


def run(mode, path):
    p = subprocess.run([reader, mode, path], capture_output=True)
    if p.returncode != 0:
        return None, p.stderr.decode(errors="replace").strip()
    try:
        return json.loads(p.stdout), None
    except ValueError as e:
        return None, "invalid JSON: %s" % e


def check(mode, path, want):
    got, why = run(mode, path)
    if got is None:
        return why
    if got != want:
        return "output differs from the expected JSON"
    return None


passed = failed = 0
for base in sorted(os.listdir(data_dir)):
    folder = os.path.join(data_dir, base)
    if not os.path.isdir(folder):
        continue
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".mcap"):
            continue
        path = os.path.join(folder, name)
        with open(path[:-len(".mcap")] + ".json") as f:
            records = json.load(f)["records"]
        cases = [("streamed", {"records": records})]
        has_messages = any(r["type"] == "Message" for r in records)
        if INDEXED_FEATURES <= features_of(name) and has_messages:
            cases.append(("indexed", expected_indexed(records)))
        for mode, want in cases:
            why = check(mode, path, want)
            label = "%s %s" % (mode, os.path.join(base, name))
            if why is None:
                passed += 1
                print("ok - %s" % label)
            else:
                failed += 1
                print("not ok - %s # %s" % (label, why))

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
EOF
