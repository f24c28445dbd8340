#!/usr/bin/env bash
# The MAT export read back by SciPy, h5py and GNU Octave and compared with
# the database.  Runs inside a server (test/run-all starts one with
# pg_virtualenv); uses a database of its own.  Ends with "N passed, M failed".
set -u
cd "$(dirname "$0")/../.."
db=hdaq_mat_$$
dropdb --if-exists "$db" >/dev/null 2>&1
createdb "$db" || { echo "0 passed, 1 failed"; exit 1; }
psql -X -q -d "$db" -c 'CREATE EXTENSION hdaq' || { echo "0 passed, 1 failed"; exit 1; }
HDAQ_MAT_DB=$db /usr/bin/python3 test/mat/check.py
status=$?
dropdb "$db" >/dev/null 2>&1
exit $status
