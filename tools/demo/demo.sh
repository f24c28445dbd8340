#!/usr/bin/env bash
# make demo: hdaq on this machine in one command.
#
# Installs what is missing (tools/install-deps --demo: Debian 12, apt-get
# as root, sudo otherwise), builds and installs hdaq, starts a PostgreSQL 15
# server of its own (data in build/demo/pgdata, the first free port from
# 54320, listening on 127.0.0.1 and a socket in build/demo/run), creates the
# extension and a read-only grafana role, ingests the bundled real logs and
# a generated 10-minute session, writes build/demo/env (the connection as
# export lines: PGHOST, PGPORT, PGUSER, PGDATABASE), plots a few signals
# (build/demo/plot_rpms.svg and .png), and prints a short tour.  Every
# command the tour prints runs as printed from the repository root after
# ". build/demo/env".
#
# Run again, it reuses the running server and skips the stored files.
# tools/demo/stop.sh (make demo-stop) stops the server.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$(pwd)
. tools/demo/common.sh
. tools/demo/tour.sh

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# show a command as it can be typed (from the repository root, after
# ". build/demo/env"), then run it
run() {
	demo_command_line "$top" "$hdaq" "$@"
	"$@"
}

# ---- packages ----------------------------------------------------------------
# what hdaq needs, and node with bench/gen's packages for the generated session
tools/install-deps --demo

# ---- build and install ---------------------------------------------------------
say "building hdaq"
make_args=()
# PostgreSQL's build compiles JIT bitcode with clang when it was built with
# LLVM; without that clang, build without the bitcode
clang=$(sed -n 's/^CLANG *= *//p' "$(dirname "$(pg_config --pgxs)")/../Makefile.global" 2>/dev/null || true)
if [ -n "$clang" ] && ! command -v "${clang%% *}" >/dev/null; then
	make_args+=(with_llvm=no)
fi
make -s -j"$(nproc)" "${make_args[@]}"
# install unless what is installed is what was built
installed() {
	local f
	cmp -s hdaq.so "$(pg_config --pkglibdir)/hdaq.so" || return 1
	cmp -s src/cli/hdaq /usr/local/bin/hdaq || return 1
	for f in hdaq.control sql/hdaq--*.sql; do
		cmp -s "$f" "$(pg_config --sharedir)/extension/$(basename "$f")" || return 1
	done
}
if ! installed; then
	if [ "$(id -u)" -eq 0 ]; then
		make -s install "${make_args[@]}" >/dev/null
	else
		sudo make -s install "${make_args[@]}" >/dev/null
	fi
fi
hdaq=$top/src/cli/hdaq

# ---- the server -------------------------------------------------------------------
demo_server_start
export PGHOST=$DEMO_SOCKET_DIR PGPORT=$DEMO_PORT PGUSER=$DEMO_SUPERUSER PGDATABASE=hdaq
unset PGPASSWORD PGSERVICE PGHOSTADDR
# the same settings for the user's shell: . build/demo/env
demo_write_env "$DEMO_DIR/env" "$PGHOST" "$PGPORT" "$PGUSER" "$PGDATABASE"

if [ -z "$(psql -X -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'hdaq'")" ]; then
	createdb hdaq
fi
# the extension and the read-only grafana role, as the docker image does it
if [ ! -s "$DEMO_DIR/grafana-password" ]; then
	(umask 077; od -An -N12 -tx1 /dev/urandom | tr -d ' \n' >"$DEMO_DIR/grafana-password")
fi
grafana_password=$(cat "$DEMO_DIR/grafana-password")
psql -X -q -v grafana_password="$grafana_password" -f docker/initdb/grafana-role.sql >/dev/null 2>&1 ||
	psql -X -q -v grafana_password="$grafana_password" -f docker/initdb/grafana-role.sql
psql -X -q -c "ALTER EXTENSION hdaq UPDATE" 2>/dev/null || true

# ---- the logs ---------------------------------------------------------------------
session=""
if [ -f bench/gen/gen-session.mjs ]; then
	session=$DEMO_DIR/session_10min.mcap
	if [ ! -s "$session" ]; then
		say "generating a 10-minute session of the car (bench/gen, about a minute)"
		node bench/gen/gen-session.mjs --out "$session.tmp" --minutes 10 --quiet
		mv "$session.tmp" "$session"
	fi
else
	echo "make demo: bench/gen/gen-session.mjs is not there; using the bundled 15-second session instead"
	session=$top/test/data/generated/session_15s.mcap
fi

say "ingesting (files already stored are skipped)"
run "$hdaq" ingest --tag source=bundled test/data/hytech
run "$hdaq" ingest --tag source=generated "$session"
# a track session (README, Comparing laps): a car driving 3 laps, with GPS
if [ -f bench/gen/gen-session.mjs ]; then
	track_session=$DEMO_DIR/track_3laps.mcap
	[ -s "$track_session" ] || node bench/gen/gen-session.mjs --out "$track_session" --laps 3 --quiet
	run "$hdaq" ingest --tag source=track "$track_session"
fi
session_id=$(psql -X -Atc "SELECT file_id FROM hdaq.file WHERE name = '$(basename "$session")' ORDER BY file_id DESC LIMIT 1")

# ---- the tour ---------------------------------------------------------------------------
say "the commands below run as printed, from $top, after:"
echo ". build/demo/env"

say "the runs"
run "$hdaq" ls

say "the topics of run $session_id ($(basename "$session"))"
q="SELECT topic, schema_name, message_count, round(rate_hz::numeric, 1) AS hz FROM hdaq.topics WHERE file_id = $session_id ORDER BY topic"
echo "$ psql -c \"$q\""
psql -X -c "$q"

say "a signal: the front-left wheel speed, first samples"
q="SELECT time, value FROM hdaq.signal('VehicleData', 'current_rpms.FL', file_id => $session_id) LIMIT 5"
echo "$ psql -c \"$q\""
psql -X -c "$q"

say "the same signal for a plot: M4 over 1-minute buckets, first rows"
q="SELECT time, value FROM hdaq.downsample('VehicleData', 'current_rpms.FL', NULL, NULL, interval '1 minute', $session_id) LIMIT 8"
echo "$ psql -c \"$q\""
psql -X -c "$q"

say "plots of the four wheel speeds of run $session_id: the whole run, and its first 30 s"
start=$(psql -X -Atc "SELECT date_trunc('second', start_time) FROM hdaq.file WHERE file_id = $session_id")
end=$(psql -X -Atc "SELECT date_trunc('second', start_time) + interval '30 s' FROM hdaq.file WHERE file_id = $session_id")
plot_signals=(VehicleData/current_rpms.FL VehicleData/current_rpms.FR VehicleData/current_rpms.RL VehicleData/current_rpms.RR)
run "$hdaq" plot --file-id "$session_id" "${plot_signals[@]}" -o "$DEMO_DIR/plot_rpms.svg"
run "$hdaq" plot --file-id "$session_id" --start "$start" --end "$end" "${plot_signals[@]}" \
	-o "$DEMO_DIR/plot_rpms_30s.png" --width 1000 --height 500
echo "Open build/demo/plot_rpms.svg (the whole run) or build/demo/plot_rpms_30s.png in a browser."

say "exports of the first 30 s of run $session_id"
exports=$DEMO_DIR/exports
mkdir -p "$exports"
run "$hdaq" export --file-id "$session_id" --start "$start" --end "$end" \
	--mcap "$exports/run${session_id}_30s.mcap"
if [ -n "$(psql -X -Atc "SELECT 1 FROM pg_proc WHERE proname = 'export_mat' AND pronamespace = 'hdaq'::regnamespace LIMIT 1")" ]; then
	run "$hdaq" export --file-id "$session_id" --start "$start" --end "$end" \
		--topics VehicleData,VnImuData,ACUAllData --mat "$exports/run${session_id}_30s.mat"
else
	echo "MAT export skipped: this build of hdaq has no hdaq.export_mat yet"
fi
ls -l "$exports"

# ---- how to connect ---------------------------------------------------------------------------
say "connect"
cat <<EOF
psql and hdaq, from this shell or any other:
  . $DEMO_DIR/env
  psql
  hdaq ls

or without the env file (as the superuser, through the socket):
  psql -h $DEMO_SOCKET_DIR -p $DEMO_PORT -U $DEMO_SUPERUSER -d hdaq
  hdaq ls --dsn "host=$DEMO_SOCKET_DIR port=$DEMO_PORT user=$DEMO_SUPERUSER dbname=hdaq"

Grafana (a PostgreSQL data source, read-only role):
  Host URL           127.0.0.1:$DEMO_PORT
  Database name      hdaq
  Username           grafana
  Password           $grafana_password   (kept in $DEMO_DIR/grafana-password)
  TLS/SSL mode       disable
  Min time interval  1ms
  psql "host=127.0.0.1 port=$DEMO_PORT user=grafana dbname=hdaq password=$grafana_password"
  Panel queries: docker/README.md; the dashboard: docker/grafana/dashboards/hdaq-runs.json
  (with Docker, docker/docker-compose.yml runs Grafana with all of it provisioned).

The server: data in $DEMO_PGDATA, log in $DEMO_DIR/postgresql.log.
Stop it with: make demo-stop
EOF
