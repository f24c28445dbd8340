/*-------------------------------------------------------------------------
 *
 * ls.c
 *	  hdaq ls [--where KEY=VALUE]... [--since T] [--topic NAME]... [--json]
 *
 * Lists the stored files from the hdaq.files view, in the order they were
 * ingested: id, name, start time, duration, size, message count (marked
 * for a file recovered from damage, or still recording) and tags, in
 * aligned columns, or as JSON.
 *
 * --where matches the file's properties: its tags over the key-value
 * pairs of its MCAP Metadata records (hdaq.files.properties; a server
 * older than that column gets the same from hdaq.metadata and the tags).
 * Filters combine with AND.  A --topic that no stored file has is an
 * error naming the similar topics, not an empty list.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "hd_utf8.h"

#define NCOLUMNS 7

typedef struct Column
{
	const char *title;
	bool		right;			/* numbers are right-aligned */
} Column;

static const Column columns[NCOLUMNS] = {
	{"ID", true},
	{"NAME", false},
	{"START", false},
	{"DURATION", true},
	{"SIZE", true},
	{"MESSAGES", true},
	{"TAGS", false}
};

/* the filters of the command line */
typedef struct LsOptions
{
	const char *dsn;
	const char **where;			/* KEY=VALUE or KEY */
	int			nwhere;
	const char *since;
	const char **topics;
	int			ntopics;
	bool		json;
} LsOptions;

/* hdaq.files.state: 'complete' on a server older than that column */
#define STATE_SQL "coalesce(to_jsonb(f) ->> 'state', 'complete')"

/* properties when the server's hdaq.files has no such column */
static const char *const properties_fallback =
"(coalesce((SELECT jsonb_object_agg(kv.key, kv.value ORDER BY m.ord) "
"FROM hdaq.metadata m, jsonb_each(m.metadata) kv WHERE m.file_id = f.file_id), '{}') "
"|| f.tags)";

/* Has this server's hdaq.files a properties column? */
static int
has_properties(PGconn *conn)
{
	PGresult   *res = PQexec(conn,
							 "SELECT count(*) FROM pg_attribute "
							 "WHERE attrelid = to_regclass('hdaq.files') "
							 "AND attname = 'properties' AND NOT attisdropped");
	int			found;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		cli_server_error(res);
		PQclear(res);
		return -1;
	}
	found = strcmp(PQgetvalue(res, 0, 0), "0") != 0;
	PQclear(res);
	return found;
}

/*
 * The query, and its parameters in values (which has room for two per
 * filter); returns the number of parameters.
 */
static int
build_query(const LsOptions *o, const char *props, CliText *sql,
			const char **values)
{
	int			n = 0;

	if (o->json)
		cli_text_printf(sql,
						"SELECT coalesce(jsonb_pretty(jsonb_agg(jsonb_build_object("
						"'file_id', f.file_id, 'name', f.name, "
						"'start_time', f.start_time, 'end_time', f.end_time, "
						"'duration_s', extract(epoch FROM f.duration)::float8, "
						"'size_bytes', f.size_bytes, 'message_count', f.message_count, "
						"'topics', coalesce(to_jsonb(f.topics), '[]'), 'tags', f.tags, "
						"'properties', %s, 'complete', f.complete, "
						"'state', " STATE_SQL ") ORDER BY f.ingested_at, f.file_id)), '[]') "
						"FROM hdaq.files f WHERE true", props);
	else
		cli_text_printf(sql,
						"SELECT f.file_id, coalesce(f.name, ''), "
						"coalesce(date_trunc('second', f.start_time)::text, ''), "
						"extract(epoch FROM f.duration)::float8, f.size_bytes, f.message_count, "
						"CASE WHEN f.tags = '{}' THEN '' ELSE f.tags::text END, f.complete, "
						STATE_SQL " FROM hdaq.files f WHERE true");
	for (int i = 0; i < o->nwhere; i++)
	{
		const char *eq = strchr(o->where[i], '=');

		if (eq == NULL)
		{
			values[n++] = o->where[i];
			cli_text_printf(sql, " AND %s ? $%d", props, n);
		}
		else
		{
			size_t		klen = (size_t) (eq - o->where[i]);
			char	   *key = cli_malloc(klen + 1);

			memcpy(key, o->where[i], klen);
			key[klen] = '\0';
			values[n++] = key;
			values[n++] = eq + 1;
			cli_text_printf(sql, " AND %s ->> $%d = $%d", props, n - 1, n);
		}
	}
	if (o->since != NULL)
	{
		values[n++] = o->since;
		cli_text_printf(sql, " AND f.start_time >= $%d::timestamptz", n);
	}
	for (int i = 0; i < o->ntopics; i++)
	{
		values[n++] = o->topics[i];
		cli_text_printf(sql, " AND $%d = ANY (f.topics)", n);
	}
	if (!o->json)
		cli_text_printf(sql, " ORDER BY f.ingested_at, f.file_id");
	return n;
}

static void
usage(void)
{
	printf("List the stored files.\n\n"
		   "Usage:\n  hdaq ls [OPTION]...\n\n"
		   "Options:\n"
		   "  --dsn DSN            connection string or URI (default: PG* variables)\n"
		   "  --where KEY=VALUE    files whose property KEY is VALUE (tags over MCAP\n"
		   "                       metadata); --where KEY: files that have KEY\n"
		   "  --since T            files that start at or after T (timestamptz)\n"
		   "  --topic NAME         files that have this topic\n"
		   "  --json               print a JSON array, one object per file\n"
		   "  -h, --help           show this help, then exit\n"
		   "\nRepeated, the filters combine: every one must hold.\n");
}

/* Is the file of this row still being uploaded? */
static bool
is_recording(const PGresult *res, int row)
{
	return strcmp(PQgetvalue(res, row, 8), "recording") == 0;
}

/* The cells of one row, formatted for people. */
static void
format_row(const PGresult *res, int row, char cells[NCOLUMNS][64],
		   const char **text)
{
	snprintf(cells[0], 64, "%s", PQgetvalue(res, row, 0));
	text[1] = PQgetvalue(res, row, 1);
	text[2] = PQgetvalue(res, row, 2);
	if (PQgetisnull(res, row, 3))
		cells[3][0] = '\0';
	else
		cli_format_duration(strtod(PQgetvalue(res, row, 3), NULL), cells[3], 64);
	cli_format_bytes(strtoull(PQgetvalue(res, row, 4), NULL, 10), cells[4], 64);
	snprintf(cells[5], 64, "%s%s", PQgetvalue(res, row, 5),
			 is_recording(res, row) ? "+" :
			 strcmp(PQgetvalue(res, row, 7), "t") == 0 ? "" : "*");
	text[6] = PQgetvalue(res, row, 6);
	text[0] = cells[0];
	text[3] = cells[3];
	text[4] = cells[4];
	text[5] = cells[5];
}

static void
print_cell(const char *s, size_t width, bool right, bool last)
{
	size_t		pad = width - hd_utf8_char_count(s);

	if (right)
		printf("%*s%s", (int) pad, "", s);
	else if (last)
		fputs(s, stdout);
	else
		printf("%s%*s", s, (int) pad, "");
	fputs(last ? "\n" : "  ", stdout);
}

static void
print_table(const PGresult *res)
{
	int			nrows = PQntuples(res);
	size_t		width[NCOLUMNS];
	char		(*cells)[NCOLUMNS][64] = cli_malloc(sizeof(*cells) * (nrows + 1));
	const char *(*text)[NCOLUMNS] = cli_malloc(sizeof(*text) * (nrows + 1));
	bool		any_incomplete = false;
	bool		any_recording = false;

	for (int c = 0; c < NCOLUMNS; c++)
		width[c] = strlen(columns[c].title);
	for (int r = 0; r < nrows; r++)
	{
		format_row(res, r, cells[r], text[r]);
		for (int c = 0; c < NCOLUMNS; c++)
			if (hd_utf8_char_count(text[r][c]) > width[c])
				width[c] = hd_utf8_char_count(text[r][c]);
		if (is_recording(res, r))
			any_recording = true;
		else if (strcmp(PQgetvalue(res, r, 7), "t") != 0)
			any_incomplete = true;
	}
	for (int c = 0; c < NCOLUMNS; c++)
		print_cell(columns[c].title, width[c], columns[c].right,
				   c == NCOLUMNS - 1);
	for (int r = 0; r < nrows; r++)
		for (int c = 0; c < NCOLUMNS; c++)
			print_cell(text[r][c], width[c], columns[c].right,
					   c == NCOLUMNS - 1);
	printf("(%d file%s)\n", nrows, nrows == 1 ? "" : "s");
	if (any_incomplete)
		printf("* recovered from a damaged file: see hdaq.file.recovery\n");
	if (any_recording)
		printf("+ still recording: its upload goes on, or hdaq ingest resumes it\n");
	free(cells);
	free(text);
}

int
cmd_ls(int argc, char **argv)
{
	static const struct option options[] = {
		{"dsn", required_argument, NULL, 'd'},
		{"where", required_argument, NULL, 'w'},
		{"since", required_argument, NULL, 's'},
		{"topic", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	LsOptions	o;
	CliText		sql = {0};
	const char **values;
	int			nvalues;
	int			props;
	PGconn	   *conn;
	PGresult   *res;
	int			c;
	int			status = EXIT_OK;

	memset(&o, 0, sizeof(o));
	o.where = cli_malloc(sizeof(char *) * (size_t) argc);
	o.topics = cli_malloc(sizeof(char *) * (size_t) argc);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
	{
		switch (c)
		{
			case 'd':
				o.dsn = optarg;
				break;
			case 'w':
				if (optarg[0] == '\0' || optarg[0] == '=')
					return cli_usage_error("ls", "invalid --where \"%s\": expected KEY=VALUE or KEY",
										   optarg);
				o.where[o.nwhere++] = optarg;
				break;
			case 's':
				o.since = optarg;
				break;
			case 't':
				o.topics[o.ntopics++] = optarg;
				break;
			case 'j':
				o.json = true;
				break;
			case 'h':
				usage();
				return EXIT_OK;
			default:
				return cli_bad_option("ls", argv, c);
		}
	}
	if (optind < argc)
		return cli_usage_error("ls", "unexpected argument \"%s\"", argv[optind]);

	if ((conn = cli_connect(o.dsn)) == NULL)
		return EXIT_FAILED;
	if ((o.since != NULL && !cli_check_time(conn, "--since", o.since)) ||
		(props = has_properties(conn)) < 0)
	{
		PQfinish(conn);
		return EXIT_FAILED;
	}
	for (int i = 0; i < o.ntopics; i++)
		if (!cli_check_topic_stored(conn, o.topics[i]))
		{
			PQfinish(conn);
			return EXIT_FAILED;
		}
	values = cli_malloc(sizeof(char *) * (size_t) (2 * o.nwhere + o.ntopics + 1));
	nvalues = build_query(&o, props ? "f.properties" : properties_fallback, &sql, values);
	res = PQexecParams(conn, sql.data, nvalues, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		cli_server_error(res);
		status = EXIT_FAILED;
	}
	else if (o.json)
		printf("%s\n", PQgetvalue(res, 0, 0));
	else
		print_table(res);
	PQclear(res);
	PQfinish(conn);
	free(sql.data);
	/* the keys of --where KEY=VALUE were allocated */
	for (int i = 0, v = 0; i < o.nwhere; i++)
	{
		if (strchr(o.where[i], '=') != NULL)
		{
			free((char *) values[v]);
			v += 2;
		}
		else
			v++;
	}
	free(values);
	free(o.where);
	free(o.topics);
	return status;
}
