/*-------------------------------------------------------------------------
 *
 * tag.c
 *	  hdaq tag FILE_ID [KEY=VALUE]... [--remove KEY...]
 *
 * Sets tags of a stored file (hdaq.tag: merged over the tags it has) and
 * removes some (hdaq.untag), in one transaction, then prints the file's
 * tags.  After --remove, every argument without "=" is a key to remove.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void
usage(void)
{
	printf("Set or remove tags of a stored file.\n\n"
		   "Usage:\n  hdaq tag [OPTION]... FILE_ID [KEY=VALUE]... [--remove KEY...]\n\n"
		   "KEY=VALUE sets a tag (over the file's other tags); --remove KEY removes\n"
		   "one, and each argument after it without \"=\" is another key to remove.\n"
		   "Tags are found by hdaq ls --where KEY=VALUE, and by SQL in\n"
		   "hdaq.files.properties.\n\n"
		   "Options:\n"
		   "  --dsn DSN          connection string or URI (default: PG* variables)\n"
		   "  --remove KEY...    remove these tags\n"
		   "  -h, --help         show this help, then exit\n");
}

/* Run one statement returning the tags; keeps the last tags in *tags. */
static bool
call(PGconn *conn, const char *sql, const char *file_id, const char *arg,
	 char **tags)
{
	const char *values[2] = {file_id, arg};
	PGresult   *res = PQexecParams(conn, sql, 2, NULL, values, NULL, NULL, 0);
	bool		ok = cli_result_ok(res, "hdaq.tag() and hdaq.untag()") &&
		PQntuples(res) == 1;

	if (ok)
	{
		free(*tags);
		*tags = cli_strdup(PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	return ok;
}

static bool
exec_simple(PGconn *conn, const char *sql)
{
	PGresult   *res = PQexec(conn, sql);
	bool		ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		cli_server_error(res);
	PQclear(res);
	return ok;
}

int
cmd_tag(int argc, char **argv)
{
	static const struct option options[] = {
		{"dsn", required_argument, NULL, 'd'},
		{"remove", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *dsn = NULL;
	const char *file_id = NULL;
	char	   *set = cli_strdup("{}");
	char	  **remove = cli_malloc(sizeof(char *) * (size_t) argc);
	int			nremove = 0;
	bool		removing = false;
	char	   *tags = NULL;
	PGconn	   *conn;
	bool		ok;
	int			c;

	opterr = 0;
	/* "-": arguments come in order, each non-option as option 1 */
	while ((c = getopt_long(argc, argv, "-:h", options, NULL)) != -1)
	{
		switch (c)
		{
			case 1:
				if (file_id == NULL)
				{
					if (!cli_is_digits(optarg))
						return cli_usage_error("tag", "invalid file id \"%s\"", optarg);
					file_id = optarg;
				}
				else if (strchr(optarg, '=') != NULL)
				{
					if (!cli_add_tag(&set, optarg))
						return cli_usage_error("tag", "invalid tag \"%s\": expected KEY=VALUE",
											   optarg);
				}
				else if (removing)
					remove[nremove++] = optarg;
				else
					return cli_usage_error("tag", "invalid tag \"%s\": expected KEY=VALUE "
										   "(--remove KEY removes a tag)", optarg);
				break;
			case 'd':
				dsn = optarg;
				break;
			case 'r':
				if (*optarg == '\0')
					return cli_usage_error("tag", "--remove needs a key");
				remove[nremove++] = optarg;
				removing = true;
				break;
			case 'h':
				usage();
				return EXIT_OK;
			default:
				return cli_bad_option("tag", argv, c);
		}
	}
	if (file_id == NULL)
		return cli_usage_error("tag", "no file id given");
	if (strcmp(set, "{}") == 0 && nremove == 0)
		return cli_usage_error("tag", "give KEY=VALUE to set or --remove KEY");

	if ((conn = cli_connect(dsn)) == NULL)
		return EXIT_FAILED;
	ok = cli_check_file(conn, file_id) && exec_simple(conn, "BEGIN");
	if (ok && strcmp(set, "{}") != 0)
		ok = call(conn, "SELECT hdaq.tag($1::bigint, $2::jsonb)", file_id, set, &tags);
	if (ok && nremove > 0)
	{
		char	   *keys = cli_text_array(remove, nremove);

		ok = call(conn, "SELECT hdaq.untag($1::bigint, $2::text[])", file_id, keys, &tags);
		free(keys);
	}
	if (ok)
		ok = exec_simple(conn, "COMMIT");
	if (ok)
		printf("file %s tags: %s\n", file_id, tags);
	PQfinish(conn);
	free(tags);
	free(set);
	free(remove);
	return ok ? EXIT_OK : EXIT_FAILED;
}
