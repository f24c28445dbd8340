/*-------------------------------------------------------------------------
 *
 * laps.c
 *	  hdaq laps FILE_ID [--track NAME] [--json]
 *
 * Lists the laps of a stored run on a track (hdaq.laps): number, the
 * crossing that started it (time of day, UTC), lap time as m:ss.sss,
 * distance, split times, and whether it is the out-lap, the in-lap, a
 * valid lap or not; then the best valid lap.  Without --track, the one
 * track stored (an error naming them when there are several).
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* One line per lap, formatted by the server. */
static const char *const lines_sql =
"SELECT rtrim(format('%4s  %-12s  %9s  %8s  %-7s  %s', l.lap, "
"              to_char(l.start_time AT TIME ZONE 'UTC', 'HH24:MI:SS.MS'), "
"              to_char(l.lap_time_s * interval '1 s', 'FMMI:SS.MS'), "
"              round(l.distance_m::numeric, 1), "
"              CASE WHEN l.out_lap THEN 'out' WHEN l.in_lap THEN 'in' "
"                   WHEN l.valid THEN 'valid' ELSE 'invalid' END, "
"              coalesce((SELECT string_agg(coalesce(to_char(s * interval '1 s', 'FMMI:SS.MS'), '-'), ' ') "
"                          FROM unnest(l.split_times_s) s), ''))), "
"       l.valid, l.lap, to_char(l.lap_time_s * interval '1 s', 'FMMI:SS.MS'), l.lap_time_s "
"  FROM hdaq.laps($1::bigint, $2) l ORDER BY l.lap";

static const char *const json_sql =
"SELECT coalesce(jsonb_pretty(jsonb_agg(to_jsonb(l) ORDER BY l.lap)), '[]') "
"  FROM hdaq.laps($1::bigint, $2) l";

/* The name of the one stored track; NULL (reported) if none or several. */
static char *
only_track(PGconn *conn)
{
	PGresult   *res = PQexec(conn, "SELECT name FROM hdaq.track ORDER BY name");
	char	   *name = NULL;

	if (!cli_result_ok(res, "hdaq.track"))
	{
		PQclear(res);
		return NULL;
	}
	if (PQntuples(res) == 1)
		name = cli_strdup(PQgetvalue(res, 0, 0));
	else if (PQntuples(res) == 0)
	{
		cli_error("no track is stored");
		fprintf(stderr, "HINT: INSERT INTO hdaq.track (name, gate, length_m) adds one; "
				"hdaq.track_from_run(file_id, name) fits one to a run.\n");
	}
	else
	{
		cli_error("%d tracks are stored: choose one with --track", PQntuples(res));
		for (int r = 0; r < PQntuples(res); r++)
			fprintf(stderr, "  %s\n", PQgetvalue(res, r, 0));
	}
	PQclear(res);
	return name;
}

static void
print_laps(const PGresult *res, const char *track)
{
	int			n = PQntuples(res);
	int			best = -1;

	printf("%4s  %-12s  %9s  %8s  %-7s  %s\n", "LAP", "START (UTC)", "TIME", "METRES", "", "SPLITS");
	for (int r = 0; r < n; r++)
	{
		printf("%s\n", PQgetvalue(res, r, 0));
		if (strcmp(PQgetvalue(res, r, 1), "t") == 0 &&
			(best < 0 || atof(PQgetvalue(res, r, 4)) < atof(PQgetvalue(res, best, 4))))
			best = r;
	}
	printf("(%d lap%s on %s", n, n == 1 ? "" : "s", track);
	if (best >= 0)
		printf("; best: lap %s in %s", PQgetvalue(res, best, 2), PQgetvalue(res, best, 3));
	printf(")\n");
}

static void
usage(void)
{
	printf("List the laps of a stored run on a track.\n\n"
		   "Usage:\n  hdaq laps [OPTION]... FILE_ID\n\n"
		   "Options:\n"
		   "  --dsn DSN      connection string or URI (default: PG* variables)\n"
		   "  --track NAME   the track (hdaq.track; default: the one stored)\n"
		   "  --json         print a JSON array, one object per lap\n"
		   "  -h, --help     show this help, then exit\n");
}

int
cmd_laps(int argc, char **argv)
{
	static const struct option options[] = {
		{"dsn", required_argument, NULL, 'd'},
		{"track", required_argument, NULL, 't'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *dsn = NULL;
	char	   *track = NULL;
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
			case 't':
				track = optarg;
				break;
			case 'j':
				json = true;
				break;
			case 'h':
				usage();
				return EXIT_OK;
			default:
				return cli_bad_option("laps", argv, c);
		}
	}
	if (optind >= argc)
		return cli_usage_error("laps", "no file id given");
	if (optind + 1 < argc)
		return cli_usage_error("laps", "unexpected argument \"%s\"", argv[optind + 1]);
	if (!cli_is_digits(argv[optind]))
		return cli_usage_error("laps", "invalid file id \"%s\"", argv[optind]);

	if ((conn = cli_connect(dsn)) == NULL)
		return EXIT_FAILED;
	if (!cli_check_file(conn, argv[optind]) ||
		(track == NULL && (track = only_track(conn)) == NULL))
	{
		PQfinish(conn);
		return EXIT_FAILED;
	}
	values[0] = argv[optind];
	values[1] = track;
	res = PQexecParams(conn, json ? json_sql : lines_sql, 2, NULL, values, NULL, NULL, 0);
	if (!cli_result_ok(res, "hdaq.laps()"))
		status = EXIT_FAILED;
	else if (json)
		printf("%s\n", PQgetvalue(res, 0, 0));
	else
		print_laps(res, track);
	PQclear(res);
	PQfinish(conn);
	return status;
}
