#!/usr/bin/env bash
# The dashboard test: a database holding the bundled logs and a generated
# track session with its track, the read-only grafana role created by
# docker/initdb/grafana-role.sql, then check.py (provisioning, macro
# expansion, every panel query of both dashboards run as that role).
#
# Run inside a PostgreSQL server (test/run-all uses pg_virtualenv):
#   pg_virtualenv -t -v 15 test/grafana/run.sh
# Ends with "N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/../.."

db=hdaq_grafana_$$
export PGDATABASE=$db
dropdb --if-exists "$db" 2>/dev/null || true
createdb "$db"

# the extension and the read-only role, as the db service creates them
export GRAFANA_DB_PASSWORD="grafana-test-$$"
psql -X -q -v grafana_password="$GRAFANA_DB_PASSWORD" \
	-f docker/initdb/grafana-role.sql >/dev/null

# the generated sessions (the car's topics) and a few real logs
src/cli/hdaq ingest --tag source=generated test/data/generated >/dev/null
src/cli/hdaq ingest --tag source=bundled \
	test/data/hytech/data_acq_cloud/cloud_webserver_files_03_26_2024_23_10_23.mcap \
	test/data/hytech/drivebrain_software_2026/test1_505139.mcap \
	test/data/hytech/hytech-foxglove-extensions/10_up_CCW.mcap >/dev/null

# a generated track session (3 laps) with its truth, and its track, for the
# laps dashboard
track_dir=$(mktemp -d)
trap 'rm -rf "$track_dir"' EXIT
node bench/gen/gen-session.mjs --out "$track_dir/track_3laps.mcap" --laps 3 --seed 7 --quiet
src/cli/hdaq ingest --tag source=track "$track_dir/track_3laps.mcap" >/dev/null
export HDAQ_TRACK_TRUTH="$track_dir/track_3laps.truth.json"
"${py:-python3}" - "$HDAQ_TRACK_TRUTH" <<'PY' | psql -X -q -v ON_ERROR_STOP=1 >/dev/null
import json, sys
t = json.load(open(sys.argv[1]))["track"]
(a, b), (c, d) = t["gate"]
print("INSERT INTO hdaq.track (name, gate, length_m) VALUES ('%s', ARRAY[%r, %r, %r, %r], %r);"
      % (t["name"], a, b, c, d, t["length_m"]))
PY

# python3 with PyYAML: the one on PATH, else Debian's
py=python3
if ! "$py" -c 'import yaml' 2>/dev/null; then
	py=/usr/bin/python3
fi
status=0
"$py" test/grafana/check.py || status=$?
dropdb "$db" || true
exit $status
