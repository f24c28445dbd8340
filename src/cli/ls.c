/*-------------------------------------------------------------------------
 *
 * ls.c
 *	  hdaq ls [--dsn DSN]
 *
 * Lists the stored files from the hdaq.files view: id, name, start time,
 * duration, size, message count and tags, in aligned columns.
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

static const char *const list_query =
"SELECT file_id, coalesce(name, ''), "
"coalesce(date_trunc('second', start_time)::text, ''), "
"extract(epoch FROM duration)::float8, size_bytes, message_count, "
"CASE WHEN tags = '{}' THEN '' ELSE tags::text END, complete "
"FROM hdaq.files ORDER BY file_id";

static void
usage(void)
{
	printf("List the stored files.\n\n"
		   "Usage:\n  hdaq ls [OPTION]...\n\n"
		   "Options:\n"
		   "  --dsn DSN      connection string or URI (default: PG* variables)\n"
		   "  -h, --help     show this help, then exit\n");
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

	for (int c = 0; c < NCOLUMNS; c++)
		width[c] = strlen(columns[c].title);
	for (int r = 0; r < nrows; r++)
	{
		format_row(res, r, cells[r], text[r]);
		for (int c = 0; c < NCOLUMNS; c++)
			if (hd_utf8_char_count(text[r][c]) > width[c])
				width[c] = hd_utf8_char_count(text[r][c]);
		if (strcmp(PQgetvalue(res, r, 7), "t") != 0)
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
	free(cells);
	free(text);
}

int
cmd_ls(int argc, char **argv)
{
	static const struct option options[] = {
		{"dsn", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *dsn = NULL;
	PGconn	   *conn;
	PGresult   *res;
	int			c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
	{
		switch (c)
		{
			case 'd':
				dsn = optarg;
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

	if ((conn = cli_connect(dsn)) == NULL)
		return EXIT_FAILED;
	res = PQexec(conn, list_query);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		cli_error("%s", cli_result_error(res));
		PQclear(res);
		PQfinish(conn);
		return EXIT_FAILED;
	}
	print_table(res);
	PQclear(res);
	PQfinish(conn);
	return EXIT_OK;
}
