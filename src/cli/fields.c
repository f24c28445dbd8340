/*-------------------------------------------------------------------------
 *
 * fields.c
 *	  hdaq fields TOPIC [--file-id N] [--json]
 *
 * Lists the leaves of a topic's messages from its schema (hdaq.fields):
 * each path as hdaq.signal and hdaq plot take it, its type, whether it is
 * numeric, whether it is repeated and the largest length seen, and the
 * names of an enum.  With --file-id, the schema of that file's channel.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "hd_utf8.h"

static void
usage(void)
{
	printf("List the fields of a topic: the paths to plot or export.\n\n"
		   "Usage:\n  hdaq fields [OPTION]... TOPIC\n\n"
		   "Options:\n"
		   "  --dsn DSN      connection string or URI (default: PG* variables)\n"
		   "  --file-id N    the topic's schema in this file (default: the latest)\n"
		   "  --json         print a JSON array, one object per field\n"
		   "  -h, --help     show this help, then exit\n");
}

/* The topic must be in the file, or in some file. */
static bool
check_topic(PGconn *conn, const char *topic, const char *file_id)
{
	if (file_id != NULL)
		return cli_check_file(conn, file_id) &&
			cli_check_topics(conn, file_id, (char *const *) &topic, 1);
	return cli_check_topic_stored(conn, topic);
}

static void
print_table(const PGresult *res)
{
	static const char *const titles[] = {"PATH", "TYPE", "NUMERIC", "REPEATED", "ENUM"};
	int			n = PQntuples(res);
	size_t		width[5];

	for (int c = 0; c < 5; c++)
		width[c] = strlen(titles[c]);
	for (int r = 0; r < n; r++)
		for (int c = 0; c < 5; c++)
			if (hd_utf8_char_count(PQgetvalue(res, r, c)) > width[c])
				width[c] = hd_utf8_char_count(PQgetvalue(res, r, c));
	for (int r = -1; r < n; r++)
	{
		for (int c = 0; c < 5; c++)
		{
			const char *s = r < 0 ? titles[c] : PQgetvalue(res, r, c);

			if (c == 4)
				printf("%s\n", s);
			else
				printf("%s%*s  ", s, (int) (width[c] - hd_utf8_char_count(s)), "");
		}
	}
	printf("(%d field%s)\n", n, n == 1 ? "" : "s");
}

int
cmd_fields(int argc, char **argv)
{
	static const struct option options[] = {
		{"dsn", required_argument, NULL, 'd'},
		{"file-id", required_argument, NULL, 'i'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *dsn = NULL;
	const char *file_id = NULL;
	bool		json = false;
	const char *values[2];
	PGconn	   *conn;
	PGresult   *res;
	int			c;
	int			status = EXIT_OK;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
	{
		switch (c)
		{
			case 'd':
				dsn = optarg;
				break;
			case 'i':
				file_id = optarg;
				break;
			case 'j':
				json = true;
				break;
			case 'h':
				usage();
				return EXIT_OK;
			default:
				return cli_bad_option("fields", argv, c);
		}
	}
	if (optind >= argc)
		return cli_usage_error("fields", "no topic given");
	if (optind + 1 < argc)
		return cli_usage_error("fields", "unexpected argument \"%s\"", argv[optind + 1]);
	if (file_id != NULL && !cli_is_digits(file_id))
		return cli_usage_error("fields", "invalid file id \"%s\"", file_id);

	if ((conn = cli_connect(dsn)) == NULL)
		return EXIT_FAILED;
	if (!check_topic(conn, argv[optind], file_id))
	{
		PQfinish(conn);
		return EXIT_FAILED;
	}
	values[0] = argv[optind];
	values[1] = file_id;
	res = PQexecParams(conn, json ?
					   "SELECT coalesce(jsonb_pretty(jsonb_agg(to_jsonb(f))), '[]') "
					   "FROM hdaq.fields($1, $2::bigint) f" :
					   "SELECT path, type, CASE WHEN numeric THEN 'yes' ELSE '' END, "
					   "CASE WHEN repeated THEN '[' || coalesce(max_length::text, '') || ']' ELSE '' END, "
					   "coalesce(array_to_string(enum_names, ', '), '') "
					   "FROM hdaq.fields($1, $2::bigint)",
					   2, NULL, values, NULL, NULL, 0);
	if (!cli_result_ok(res, "hdaq.fields()"))
		status = EXIT_FAILED;
	else if (json)
		printf("%s\n", PQgetvalue(res, 0, 0));
	else
		print_table(res);
	PQclear(res);
	PQfinish(conn);
	return status;
}
