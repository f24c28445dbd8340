/*-------------------------------------------------------------------------
 *
 * conn.c
 *	  Connecting to the server and reading libpq's error messages.
 *
 * The connection follows libpq's conventions: --dsn takes a connection
 * string or URI, and whatever it leaves out comes from PGHOST, PGPORT,
 * PGUSER, PGDATABASE, PGPASSWORD (or ~/.pgpass), PGSSLMODE...
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <string.h>

/*
 * libpq's messages end with a newline (sometimes two lines: ERROR and
 * DETAIL).  Keep the first line, without its trailing newline.
 */
static const char *
first_line(const char *msg, char *buf, size_t buflen)
{
	size_t		len = strcspn(msg, "\n");

	if (len >= buflen)
		len = buflen - 1;
	memcpy(buf, msg, len);
	buf[len] = '\0';
	return buf;
}

const char *
cli_conn_error(PGconn *conn)
{
	static char buf[1024];

	if (conn == NULL)
		return "out of memory";
	return first_line(PQerrorMessage(conn), buf, sizeof(buf));
}

/* The primary message of a failed result, without the "ERROR:  " prefix. */
const char *
cli_result_error(const PGresult *res)
{
	static char buf[1024];
	const char *primary;

	if (res == NULL)
		return "no result (connection lost?)";
	primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (primary != NULL)
		return first_line(primary, buf, sizeof(buf));
	return first_line(PQresultErrorMessage(res), buf, sizeof(buf));
}

/* Connect; on failure report it and return NULL. */
PGconn *
cli_connect(const char *dsn)
{
	const char *keywords[] = {"dbname", "fallback_application_name", NULL};
	const char *values[] = {dsn, "hdaq", NULL};
	PGconn	   *conn;

	conn = PQconnectdbParams(keywords, values, 1);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK)
	{
		cli_error("could not connect to the server: %s", cli_conn_error(conn));
		PQfinish(conn);
		return NULL;
	}
	return conn;
}
