#!/bin/sh
# Run once by the PostgreSQL image's entrypoint when the data volume is new:
# creates the hdaq extension and the read-only grafana role in $POSTGRES_DB.
set -eu

: "${GRAFANA_DB_PASSWORD:?set GRAFANA_DB_PASSWORD (see docker/.env.example)}"
user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}

psql --no-psqlrc --quiet --username "$user" --dbname "$db" \
	--set grafana_password="$GRAFANA_DB_PASSWORD" \
	--file /usr/local/share/hdaq/grafana-role.sql
echo "hdaq: extension created in database \"$db\", role grafana is read-only"
