# Shared by tools/demo/demo.sh and tools/demo/stop.sh (sourced from the
# repository root): where the demo server lives, and starting and stopping it.
#
# The server runs as the user who runs make demo, or as postgres when that is
# root (initdb refuses root).  Its data directory is build/demo/pgdata; where
# the postgres user cannot reach the work tree (a clone under /root), it is
# /var/lib/postgresql/hdaq-demo/pgdata instead.  build/demo/server.env
# records where it is.

DEMO_DIR=$(pwd)/build/demo
mkdir -p "$DEMO_DIR"
PG_BINDIR=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)

if [ "$(id -u)" -eq 0 ]; then
	DEMO_SERVER_USER=postgres
	DEMO_SUPERUSER=postgres
else
	DEMO_SERVER_USER=$(id -un)
	DEMO_SUPERUSER=$DEMO_SERVER_USER
fi

# Run a command as the server's user.
as_server() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$DEMO_SERVER_USER" -- "$@"
	else
		"$@"
	fi
}

# Where the data directory and the socket are.
demo_locate() {
	if [ -f "$DEMO_DIR/server.env" ]; then
		. "$DEMO_DIR/server.env"
		return
	fi
	local base=$DEMO_DIR
	if [ "$(id -u)" -eq 0 ]; then
		install -d -o postgres -g postgres -m 0700 "$DEMO_DIR/pgdata" "$DEMO_DIR/run" 2>/dev/null || true
		if ! runuser -u postgres -- test -w "$DEMO_DIR/run"; then
			base=/var/lib/postgresql/hdaq-demo
			install -d -o postgres -g postgres -m 0700 "$base" "$base/pgdata" "$base/run"
			echo "make demo: the postgres user cannot reach $DEMO_DIR; the server's data is in $base"
		fi
	else
		mkdir -p -m 0700 "$DEMO_DIR/pgdata" "$DEMO_DIR/run"
	fi
	DEMO_PGDATA=$base/pgdata
	DEMO_SOCKET_DIR=$base/run
	DEMO_LOG=$base/postgresql.log
	# a Unix socket path has a length limit (107 bytes)
	if [ ${#DEMO_SOCKET_DIR} -gt 80 ]; then
		DEMO_SOCKET_DIR=/tmp/hdaq-demo-$(printf '%s' "$DEMO_PGDATA" | md5sum | cut -c1-8)
		as_server mkdir -p -m 0700 "$DEMO_SOCKET_DIR"
	fi
	cat >"$DEMO_DIR/server.env" <<EOF
DEMO_PGDATA=$DEMO_PGDATA
DEMO_SOCKET_DIR=$DEMO_SOCKET_DIR
DEMO_LOG=$DEMO_LOG
EOF
}

# The port of the running server, from its postmaster.pid; empty if none.
demo_running_port() {
	if as_server "$PG_BINDIR/pg_ctl" status -D "$DEMO_PGDATA" >/dev/null 2>&1; then
		as_server sed -n 4p "$DEMO_PGDATA/postmaster.pid"
	fi
}

port_is_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null &&
		[ ! -e "$DEMO_SOCKET_DIR/.s.PGSQL.$1" ]
}

# Start the server, or find the one that runs; sets DEMO_PORT.
demo_server_start() {
	demo_locate
	DEMO_PORT=$(demo_running_port)
	if [ -n "$DEMO_PORT" ]; then
		echo "make demo: the demo server is running (port $DEMO_PORT); using it"
		return
	fi
	if ! as_server test -f "$DEMO_PGDATA/PG_VERSION"; then
		echo "make demo: creating a PostgreSQL cluster in $DEMO_PGDATA"
		as_server "$PG_BINDIR/initdb" -D "$DEMO_PGDATA" -U "$DEMO_SUPERUSER" -E UTF8 --locale=C \
			--auth-local=trust --auth-host=scram-sha-256 >/dev/null
	fi
	DEMO_PORT=54320
	while ! port_is_free "$DEMO_PORT"; do
		DEMO_PORT=$((DEMO_PORT + 1))
	done
	if [ "$(id -u)" -eq 0 ]; then
		touch "$DEMO_LOG" && chown postgres "$DEMO_LOG" 2>/dev/null || true
	fi
	echo "make demo: starting the server on port $DEMO_PORT"
	as_server "$PG_BINDIR/pg_ctl" start -w -D "$DEMO_PGDATA" -l "$DEMO_LOG" \
		-o "-p $DEMO_PORT -k $DEMO_SOCKET_DIR -c listen_addresses=127.0.0.1" >/dev/null || {
		tail -n 20 "$DEMO_LOG" >&2
		exit 1
	}
}

demo_server_stop() {
	if [ ! -f "$DEMO_DIR/server.env" ]; then
		echo "make demo-stop: no demo server here"
		return
	fi
	demo_locate
	if [ -n "$(demo_running_port)" ]; then
		as_server "$PG_BINDIR/pg_ctl" stop -D "$DEMO_PGDATA" -m fast >/dev/null
		echo "make demo-stop: stopped the server of $DEMO_PGDATA"
	else
		echo "make demo-stop: the demo server is not running"
	fi
}
