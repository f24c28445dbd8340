/*-------------------------------------------------------------------------
 *
 * select.c
 *	  Checking what a command selects before it writes anything: the file
 *	  exists, each topic is in that file, the times are times and in order,
 *	  and the range holds something of the file.
 *
 * A mistake is reported the way the server reports one (a message, then
 * DETAIL and HINT lines) and the command exits non-zero without creating
 * its output file: an export that would be empty is an error, not an
 * empty file.  Times are parsed by the server (what timestamptz accepts,
 * ISO 8601 included), in the session's TimeZone.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"
#include "hd_text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool
cli_is_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* The error of a failed result: message, DETAIL and HINT lines. */
void
cli_server_error(const PGresult *res)
{
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;

	cli_error("%s", cli_result_error(res));
	if (detail != NULL)
		fprintf(stderr, "DETAIL: %s\n", detail);
	if (hint != NULL)
		fprintf(stderr, "HINT: %s\n", hint);
}

/* Did the query fail because a function does not exist (an older server)? */
bool
cli_is_undefined_function(const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return state != NULL && strcmp(state, "42883") == 0;
}

bool
cli_result_ok(const PGresult *res, const char *functions)
{
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		return true;
	if (cli_is_undefined_function(res))
		cli_error("this server's hdaq has no %s (ALTER EXTENSION hdaq UPDATE)", functions);
	else
		cli_server_error(res);
	return false;
}

/* Run a query with text parameters; on failure report it and return NULL. */
static PGresult *
query(PGconn *conn, const char *sql, int n, const char *const *values)
{
	PGresult   *res = PQexecParams(conn, sql, n, NULL, values, NULL, NULL, 0);

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		cli_server_error(res);
		PQclear(res);
		return NULL;
	}
	return res;
}

bool
cli_check_file(PGconn *conn, const char *file_id)
{
	const char *values[1] = {file_id};
	PGresult   *res;
	bool		found;

	res = query(conn, "SELECT 1 FROM hdaq.file WHERE file_id = $1::bigint", 1, values);
	if (res == NULL)
		return false;
	found = PQntuples(res) > 0;
	PQclear(res);
	if (!found)
	{
		cli_error("file %s does not exist", file_id);
		fprintf(stderr, "HINT: hdaq ls lists the stored files.\n");
	}
	return found;
}

/* One time, parsed by the server; report under the option's name. */
bool
cli_check_time(PGconn *conn, const char *option, const char *value)
{
	const char *values[1] = {value};
	PGresult   *res = PQexecParams(conn, "SELECT $1::timestamptz", 1, NULL,
								   values, NULL, NULL, 0);
	bool		ok = PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
	{
		cli_error("invalid %s \"%s\": %s", option, value, cli_result_error(res));
		fprintf(stderr, "HINT: Give a time PostgreSQL's timestamptz accepts, such as "
				"2026-03-17T14:00:05Z or \"2026-03-17 14:00:05+00\" "
				"(without a zone, the session's TimeZone applies).\n");
	}
	PQclear(res);
	return ok;
}

bool
cli_check_times(PGconn *conn, const char *start, const char *end)
{
	const char *values[2] = {start, end};
	PGresult   *res;
	bool		reversed;

	if ((start && !cli_check_time(conn, "--start", start)) ||
		(end && !cli_check_time(conn, "--end", end)))
		return false;
	if (start == NULL || end == NULL)
		return true;
	res = query(conn, "SELECT $1::timestamptz > $2::timestamptz, "
				"$1::timestamptz::text, $2::timestamptz::text", 2, values);
	if (res == NULL)
		return false;
	reversed = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	if (reversed)
	{
		cli_error("--start is after --end");
		fprintf(stderr, "DETAIL: --start is %s, --end is %s.\n",
				PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	return !reversed;
}

/* Edit distance of a and b, ignoring case. */
static size_t
distance(const char *a, const char *b)
{
	size_t		la = strlen(a),
				lb = strlen(b);
	size_t	   *row = cli_malloc((lb + 1) * sizeof(size_t));
	size_t		result = hd_edit_distance(a, la, b, lb, row);

	free(row);
	return result;
}

static bool
contains_nocase(const char *hay, const char *needle)
{
	size_t		n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

/* Is candidate a name someone meaning it might have typed as wanted? */
bool
cli_similar(const char *wanted, const char *candidate)
{
	size_t		len = strlen(wanted);
	size_t		limit = len / 2 > 2 ? len / 2 : 2;

	if (len >= 3 && (contains_nocase(candidate, wanted) ||
					 (strlen(candidate) >= 3 && contains_nocase(wanted, candidate))))
		return true;
	return distance(wanted, candidate) <= limit;
}

/*
 * Each topic must be a topic of the file.  A topic that is not gets its
 * similar names in the file, and the files that do have it.
 */
bool
cli_check_topics(PGconn *conn, const char *file_id, char *const *topics,
				 int ntopics)
{
	const char *values[1] = {file_id};
	PGresult   *res;
	int			n;
	bool		ok = true;

	res = query(conn, "SELECT DISTINCT topic FROM hdaq.channel "
				"WHERE file_id = $1::bigint ORDER BY topic", 1, values);
	if (res == NULL)
		return false;
	n = PQntuples(res);
	for (int t = 0; t < ntopics; t++)
	{
		const char *wanted = topics[t];
		bool		found = false;
		CliText		similar = {0};
		CliText		all = {0};

		for (int r = 0; r < n && !found; r++)
			found = strcmp(PQgetvalue(res, r, 0), wanted) == 0;
		if (found)
			continue;
		ok = false;
		cli_error("file %s has no topic \"%s\"", file_id, wanted);
		for (int r = 0; r < n; r++)
		{
			const char *name = PQgetvalue(res, r, 0);

			if (cli_similar(wanted, name))
				cli_text_printf(&similar, "%s\"%s\"", similar.len ? ", " : "", name);
			cli_text_printf(&all, "%s\"%s\"", all.len ? ", " : "", name);
		}
		if (similar.len)
			fprintf(stderr, "DETAIL: Topics with similar names in file %s: %s.\n",
					file_id, similar.data);
		else if (n <= 20)
			fprintf(stderr, "DETAIL: The topics of file %s are: %s.\n", file_id,
					n ? all.data : "(none)");
		free(similar.data);
		free(all.data);

		/* the files that do have it */
		{
			const char *v[1] = {wanted};
			PGresult   *other = query(conn,
									  "SELECT string_agg(file_id::text, ', ' ORDER BY file_id), count(*) "
									  "FROM (SELECT DISTINCT file_id FROM hdaq.channel WHERE topic = $1) f",
									  1, v);

			if (other != NULL && strcmp(PQgetvalue(other, 0, 1), "0") != 0)
				fprintf(stderr, "HINT: Topic \"%s\" is in file%s %s.\n", wanted,
						strcmp(PQgetvalue(other, 0, 1), "1") == 0 ? "" : "s",
						PQgetvalue(other, 0, 0));
			else
				fprintf(stderr, "HINT: No stored file has a topic \"%s\".\n", wanted);
			PQclear(other);
		}
	}
	PQclear(res);
	return ok;
}

/*
 * The whole selection: the file, its topics, the times, and that the range
 * holds messages of the selected topics (an inclusive end covers its whole
 * microsecond, as the server reads it).
 */
bool
cli_check_selection(PGconn *conn, const CliSelection *sel)
{
	char	   *topics = NULL;
	const char *values[4];
	PGresult   *res;
	bool		ok;

	if (!cli_check_file(conn, sel->file_id) ||
		(sel->ntopics > 0 && !cli_check_topics(conn, sel->file_id, sel->topics, sel->ntopics)) ||
		!cli_check_times(conn, sel->start, sel->end))
		return false;
	if (sel->start == NULL && sel->end == NULL)
		return true;
	if (sel->ntopics > 0)
		topics = cli_text_array(sel->topics, sel->ntopics);
	values[0] = sel->file_id;
	values[1] = topics;
	values[2] = sel->start;
	values[3] = sel->end;
	res = query(conn,
				"SELECT count(*) FILTER (WHERE ($3::timestamptz IS NULL OR c.end_time >= $3::timestamptz) "
				"  AND ($4::timestamptz IS NULL OR c.start_time <= $4::timestamptz)), "
				" min(c.start_time)::text, max(c.end_time)::text "
				"FROM hdaq.channel c WHERE c.file_id = $1::bigint AND c.message_count > 0 "
				"AND ($2::text[] IS NULL OR c.topic = ANY ($2::text[]))",
				4, values);
	free(topics);
	if (res == NULL)
		return false;
	ok = strcmp(PQgetvalue(res, 0, 0), "0") != 0;
	if (!ok)
	{
		const char *what = sel->ntopics ? "the chosen topics of file" : "file";

		cli_error("the time range holds no message of %s %s", what, sel->file_id);
		fprintf(stderr, "DETAIL: The range is %s to %s; %s %s span%s %s to %s.\n",
				sel->start ? sel->start : "(unbounded)",
				sel->end ? sel->end : "(unbounded)",
				what, sel->file_id, sel->ntopics ? "" : "s",
				PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	return ok;
}

/* The topic must be a topic of some stored file. */
bool
cli_check_topic_stored(PGconn *conn, const char *topic)
{
	PGresult   *res;
	bool		found;

	res = PQexecParams(conn, "SELECT DISTINCT topic FROM hdaq.channel ORDER BY topic",
					   0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		cli_server_error(res);
		PQclear(res);
		return false;
	}
	found = false;
	for (int r = 0; r < PQntuples(res) && !found; r++)
		found = strcmp(PQgetvalue(res, r, 0), topic) == 0;
	if (!found)
	{
		CliText		similar = {0};

		cli_error("no stored file has a topic \"%s\"", topic);
		for (int r = 0; r < PQntuples(res); r++)
			if (cli_similar(topic, PQgetvalue(res, r, 0)))
				cli_text_printf(&similar, "%s\"%s\"", similar.len ? ", " : "",
								PQgetvalue(res, r, 0));
		if (similar.len)
			fprintf(stderr, "DETAIL: Topics with similar names: %s.\n", similar.data);
		fprintf(stderr, "HINT: SELECT DISTINCT topic FROM hdaq.topics lists the topics.\n");
		free(similar.data);
	}
	PQclear(res);
	return found;
}
