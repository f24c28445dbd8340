/*-------------------------------------------------------------------------
 *
 * query.c
 *	  hdaq query "SQL" --mat OUT.mat [--format v7|v5|v7.3]
 *
 * Writes the result of any query as a MATLAB file, each result column a
 * variable: the server runs hdaq.query_to_mat(query, format) and the bytes
 * are written through a temporary file that is renamed into place.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <getopt.h>
#include <string.h>

static void
usage(void)
{
	printf("Write the result of a query as a .mat file.\n\n"
		   "Usage:\n  hdaq query [OPTION]... \"SQL\" --mat OUT.mat\n\n"
		   "Each column of the result becomes a variable of the file.\n\n"
		   "Options:\n"
		   "  --dsn DSN            connection string or URI (default: PG* variables)\n"
		   "  --mat OUT.mat        the file to write\n"
		   "  --format F           v7 (default), v5 or v7.3\n"
		   "  -h, --help           show this help, then exit\n");
}

int
cmd_query(int argc, char **argv)
{
	static const struct option options[] = {
		{"dsn", required_argument, NULL, 'd'},
		{"mat", required_argument, NULL, 'M'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *dsn = NULL;
	const char *mat_path = NULL;
	const char *format = NULL;
	const char *values[2];
	PGconn	   *conn;
	bool		ok;
	int			c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
	{
		switch (c)
		{
			case 'd':
				dsn = optarg;
				break;
			case 'M':
				mat_path = optarg;
				break;
			case 'f':
				format = optarg;
				break;
			case 'h':
				usage();
				return EXIT_OK;
			default:
				return cli_bad_option("query", argv, c);
		}
	}
	if (optind >= argc)
		return cli_usage_error("query", "no query given");
	if (optind + 1 < argc)
		return cli_usage_error("query", "unexpected argument \"%s\" (quote the query)",
							   argv[optind + 1]);
	if (mat_path == NULL)
		return cli_usage_error("query", "give --mat OUT.mat");
	if (format != NULL && strcmp(format, "v7") != 0 &&
		strcmp(format, "v5") != 0 && strcmp(format, "v7.3") != 0)
		return cli_usage_error("query", "invalid format \"%s\": expected v7, v5 or v7.3",
							   format);

	if ((conn = cli_connect(dsn)) == NULL)
		return EXIT_FAILED;
	values[0] = argv[optind];
	values[1] = format;
	ok = cli_export_value(conn,
						  format ? "SELECT hdaq.query_to_mat($1::text, $2::text)"
						  : "SELECT hdaq.query_to_mat($1::text)",
						  format ? 2 : 1, values, mat_path);
	PQfinish(conn);
	return ok ? EXIT_OK : EXIT_FAILED;
}
