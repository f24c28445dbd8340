/*-------------------------------------------------------------------------
 *
 * export.c
 *	  hdaq export --file-id N [--topics A,B] [--start T] [--end T]
 *				  [--mcap OUT.mcap] [--mat OUT.mat [--format F] [--layout L]]
 *
 * Writes a stored file, or the chosen topics and time range of it, as an
 * MCAP file (hdaq.export_mcap) and/or a MATLAB file (hdaq.export_mat).  The
 * server builds the bytes; they are fetched in binary and written through
 * a temporary file that is renamed into place.
 *
 * Before anything is written the selection is checked (select.c): the
 * file exists, each topic is one of its topics ("LapTime, VNData": spaces
 * around the commas do not count), the times parse and are in order, and
 * the range holds messages.  Both outputs are built before either is
 * written, so a failure leaves no file.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

typedef struct ExportOptions
{
	const char *dsn;
	const char *file_id;
	char	   *topics;			/* text[] literal, or NULL */
	char	  **topic_list;		/* the topics, trimmed */
	int			ntopics;
	const char *start;
	const char *end;
	const char *mcap_path;
	const char *mat_path;
	const char *format;
	const char *layout;
} ExportOptions;

static void
usage(void)
{
	printf("Write a stored file, or part of it, as .mcap or .mat.\n\n"
		   "Usage:\n  hdaq export --file-id N [OPTION]... --mcap OUT.mcap\n"
		   "  hdaq export --file-id N [OPTION]... --mat OUT.mat\n\n"
		   "Options:\n"
		   "  --dsn DSN            connection string or URI (default: PG* variables)\n"
		   "  --file-id N          the stored file (see hdaq ls)\n"
		   "  --topics A,B         only these topics (default: all)\n"
		   "  --start T            only messages logged at or after T (timestamptz,\n"
		   "                       e.g. 2026-03-17T14:00:05Z)\n"
		   "  --end T              only messages logged at or before T (inclusive)\n"
		   "  --mcap OUT.mcap      write an MCAP file\n"
		   "  --mat OUT.mat        write a MATLAB file\n"
		   "  --format F           MAT format: v7 (default), v5 or v7.3\n"
		   "  --layout L           MAT layout: leaf (default) or topic\n"
		   "  -h, --help           show this help, then exit\n");
}

/* The selection arguments both exports share: $1..$4. */
static void
selection_values(const ExportOptions *o, const char **values)
{
	values[0] = o->file_id;
	values[1] = o->topics;
	values[2] = o->start;
	values[3] = o->end;
}

#define SELECTION_ARGS \
	"file_id => $1::bigint, topics => $2::text[], " \
	"start_time => $3::timestamptz, end_time => $4::timestamptz"

static PGresult *
export_mcap(PGconn *conn, const ExportOptions *o)
{
	const char *values[4];

	selection_values(o, values);
	return cli_fetch_value(conn, "SELECT hdaq.export_mcap(" SELECTION_ARGS ")",
						   4, values, o->mcap_path);
}

/* Only the options given are passed, so the server's defaults apply. */
static PGresult *
export_mat(PGconn *conn, const ExportOptions *o)
{
	const char *values[6];
	char		sql[512];
	int			n = 4;

	selection_values(o, values);
	snprintf(sql, sizeof(sql), "SELECT hdaq.export_mat(" SELECTION_ARGS);
	if (o->format != NULL)
	{
		values[n++] = o->format;
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql),
				 ", format => $%d::text", n);
	}
	if (o->layout != NULL)
	{
		values[n++] = o->layout;
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql),
				 ", layout => $%d::text", n);
	}
	strcat(sql, ")");
	return cli_fetch_value(conn, sql, n, values, o->mat_path);
}

/* Check the options; returns an exit status, or -1 when they are fine. */
static int
check_options(const ExportOptions *o)
{
	if (o->file_id == NULL)
		return cli_usage_error("export", "--file-id is required");
	if (!cli_is_digits(o->file_id))
		return cli_usage_error("export", "invalid file id \"%s\"", o->file_id);
	if (o->topic_list != NULL && o->ntopics == 0)
		return cli_usage_error("export", "--topics names no topic");
	if (o->mcap_path == NULL && o->mat_path == NULL)
		return cli_usage_error("export", "give --mcap OUT.mcap or --mat OUT.mat");
	if (o->format != NULL && o->mat_path == NULL)
		return cli_usage_error("export", "--format applies to --mat");
	if (o->layout != NULL && o->mat_path == NULL)
		return cli_usage_error("export", "--layout applies to --mat");
	if (o->format != NULL && strcmp(o->format, "v7") != 0 &&
		strcmp(o->format, "v5") != 0 && strcmp(o->format, "v7.3") != 0)
		return cli_usage_error("export", "invalid format \"%s\": expected v7, v5 or v7.3",
							   o->format);
	if (o->layout != NULL && strcmp(o->layout, "leaf") != 0 &&
		strcmp(o->layout, "topic") != 0)
		return cli_usage_error("export", "invalid layout \"%s\": expected leaf or topic",
							   o->layout);
	return -1;
}

int
cmd_export(int argc, char **argv)
{
	static const struct option options[] = {
		{"dsn", required_argument, NULL, 'd'},
		{"file-id", required_argument, NULL, 'i'},
		{"topics", required_argument, NULL, 't'},
		{"start", required_argument, NULL, 's'},
		{"end", required_argument, NULL, 'e'},
		{"mcap", required_argument, NULL, 'm'},
		{"mat", required_argument, NULL, 'M'},
		{"format", required_argument, NULL, 'f'},
		{"layout", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	ExportOptions o;
	CliSelection sel;
	PGconn	   *conn;
	PGresult   *mcap = NULL;
	PGresult   *mat = NULL;
	bool		ok = true;
	int			status;
	int			c;

	memset(&o, 0, sizeof(o));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1)
	{
		switch (c)
		{
			case 'd':
				o.dsn = optarg;
				break;
			case 'i':
				o.file_id = optarg;
				break;
			case 't':
				cli_free_list(o.topic_list, o.ntopics);
				o.topic_list = cli_split_list(optarg, &o.ntopics);
				if (o.topic_list == NULL)
					o.topic_list = cli_malloc(sizeof(char *));
				break;
			case 's':
				o.start = optarg;
				break;
			case 'e':
				o.end = optarg;
				break;
			case 'm':
				o.mcap_path = optarg;
				break;
			case 'M':
				o.mat_path = optarg;
				break;
			case 'f':
				o.format = optarg;
				break;
			case 'l':
				o.layout = optarg;
				break;
			case 'h':
				usage();
				return EXIT_OK;
			default:
				return cli_bad_option("export", argv, c);
		}
	}
	if (optind < argc)
		return cli_usage_error("export", "unexpected argument \"%s\"", argv[optind]);
	if ((status = check_options(&o)) >= 0)
		return status;

	if (o.ntopics > 0)
		o.topics = cli_text_array(o.topic_list, o.ntopics);

	if ((conn = cli_connect(o.dsn)) == NULL)
		return EXIT_FAILED;
	memset(&sel, 0, sizeof(sel));
	sel.file_id = o.file_id;
	sel.topics = o.topic_list;
	sel.ntopics = o.ntopics;
	sel.start = o.start;
	sel.end = o.end;
	ok = cli_check_selection(conn, &sel);
	/* build both before writing either */
	if (ok && o.mcap_path != NULL)
		ok = (mcap = export_mcap(conn, &o)) != NULL;
	if (ok && o.mat_path != NULL)
		ok = (mat = export_mat(conn, &o)) != NULL;
	if (ok && mcap != NULL)
		ok = cli_write_value(mcap, o.mcap_path);
	if (ok && mat != NULL)
		ok = cli_write_value(mat, o.mat_path);
	PQclear(mcap);
	PQclear(mat);
	PQfinish(conn);
	free(o.topics);
	cli_free_list(o.topic_list, o.ntopics);
	return ok ? EXIT_OK : EXIT_FAILED;
}
