/*-------------------------------------------------------------------------
 *
 * ingest.c
 *	  hdaq ingest [--dsn DSN] [--tag key=value]... [--follow] PATH...
 *
 * Stores MCAP files, and the *.mcap files found under directories, in the
 * database.  For each file:
 *
 *	1. a file that does not start with the MCAP magic fails at once; its
 *	   sha256 is computed locally, and a file the server already holds
 *	   (same digest) is skipped without sending a byte, or, with --tag
 *	   tags it does not have yet, tagged: the server merges the tags into
 *	   the stored file's (hdaq.tag) and the command says so;
 *	2. otherwise the file is uploaded through the server's append protocol
 *	   (upload.c): a piece at a time, each piece its own transaction, so a
 *	   killed or dropped upload is resumed by the next run from where the
 *	   server stopped; a file that ends without its footer is kept as cut
 *	   short.  Against a server without that protocol the file is streamed
 *	   through a large object in one transaction instead (upload_lo.c).
 *
 * A hot standby is refused at once, before anything is read or sent.
 * After a file fails the others are still tried (reconnecting once if the
 * connection was lost), and the exit status says whether any failed.  With
 * --follow the files are followed as they grow (follow.c).
 *
 * Server notices (such as the one for a file that was cut short) are shown
 * under the file they belong to.  On a terminal a progress line
 * (progress.c) shows the bytes and files of the files being uploaded, the
 * time left, and "finishing" while the server stores the last piece.
 * --verbose prints a line per append, and the bytes sent in all.
 *
 *-------------------------------------------------------------------------
 */
#include "ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include "mcap.h"

static void
usage(void)
{
	printf("Store MCAP files in the database.\n\n"
		   "Usage:\n  hdaq ingest [OPTION]... PATH...\n"
		   "  hdaq ingest --follow [OPTION]... PATH...\n\n"
		   "Each PATH is a file, or a directory searched recursively for *.mcap\n"
		   "files.  A file already stored (same sha256) is skipped.  A file is sent\n"
		   "a piece at a time, each piece committed on its own, so an interrupted\n"
		   "run can simply be run again: it resumes each upload where the server\n"
		   "stopped.  A file that ends without its footer is kept as cut short.\n\n"
		   "With --follow, each file is followed as it grows (written by a logger,\n"
		   "rsync --append, a share): what it gained is sent and committed at least\n"
		   "once per commit interval, so queries see it, until its footer arrives.\n"
		   "A file that does not grow for the idle timeout is left recording, to be\n"
		   "resumed; one that shrinks or whose beginning changes fails.  A directory\n"
		   "is watched for new *.mcap files until SIGINT or SIGTERM; given only files\n"
		   "(one that does not exist yet is waited for, up to the idle timeout), the\n"
		   "command returns when each is complete or idle.  A lost connection is\n"
		   "re-established, with backoff.\n\n"
		   "Options:\n"
		   "  --dsn DSN              connection string or URI (default: PG* variables)\n"
		   "  -t, --tag KEY=VALUE    tag the files (repeatable); stored in hdaq.file.tags,\n"
		   "                         and merged into the tags of a file already stored\n"
		   "  -f, --follow           follow growing files and new files in directories\n"
		   "  --commit-interval S    with --follow: send what a file gained at least\n"
		   "                         every S seconds (default 1)\n"
		   "  --idle-timeout S       with --follow: leave a file recording after S\n"
		   "                         seconds without growth (default 60)\n"
		   "  -v, --verbose          print each append, and the bytes sent in all\n"
		   "  -h, --help             show this help, then exit\n");
}

/* ----------------------------------------------------------------
 * Notices and the connection
 * ----------------------------------------------------------------
 */
static void
append_notice_line(IngestRun *run, const char *label, const char *text)
{
	size_t		len = strlen(label) + strlen(text) + 8;
	char	   *line = cli_malloc(len);

	snprintf(line, len, "  %s: %s", label, text);
	/* drop a trailing newline */
	if (line[0] && line[strlen(line) - 1] == '\n')
		line[strlen(line) - 1] = '\0';
	run->notices = cli_realloc(run->notices,
							   (run->notice_count + 1) * sizeof(char *));
	run->notices[run->notice_count++] = line;
}

static void
receive_notice(void *arg, const PGresult *res)
{
	IngestRun  *run = arg;
	const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);

	if (primary == NULL)
	{
		append_notice_line(run, "NOTICE", PQresultErrorMessage(res));
		return;
	}
	append_notice_line(run, severity ? severity : "NOTICE", primary);
	if (detail != NULL)
		append_notice_line(run, "DETAIL", detail);
	if (hint != NULL)
		append_notice_line(run, "HINT", hint);
}

void
ingest_flush_notices(IngestRun *run)
{
	for (size_t i = 0; i < run->notice_count; i++)
	{
		puts(run->notices[i]);
		free(run->notices[i]);
	}
	free(run->notices);
	run->notices = NULL;
	run->notice_count = 0;
	fflush(stdout);
}

/*
 * Is the hdaq extension installed in the database we are connected to, and
 * has it the append protocol?  Can the server store files at all?  A hot
 * standby cannot: say so before any file is read or sent (there the server's
 * own error would not say why).
 */
static bool
check_extension(IngestRun *run)
{
	PGresult   *res = PQexec(run->conn,
							 "SELECT to_regclass('hdaq.file') IS NOT NULL, "
							 "to_regprocedure('hdaq.ingest_append(bigint,bigint,bytea)') IS NOT NULL, "
							 "pg_catalog.pg_is_in_recovery()");
	bool		ok;
	bool		standby;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		cli_error("%s", cli_result_error(res));
		PQclear(res);
		return false;
	}
	ok = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	run->has_append = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	standby = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
	PQclear(res);
	if (!ok)
		cli_error("the hdaq extension is not installed in database \"%s\" "
				  "(CREATE EXTENSION hdaq)", PQdb(run->conn));
	else if (standby)
		cli_error("the server is a hot standby (in recovery, read-only): "
				  "ingest into its primary");
	return ok && !standby;
}

/* Connect, and check the extension; on failure report it. */
bool
ingest_connect(IngestRun *run)
{
	run->conn = cli_connect(run->dsn);
	if (run->conn == NULL)
		return false;
	PQsetNoticeReceiver(run->conn, receive_notice, run);
	if (check_extension(run))
		return true;
	PQfinish(run->conn);
	run->conn = NULL;
	return false;
}

/*
 * Make sure there is a working connection before a file.  After a lost
 * connection, reconnect once; if that fails, give up on the other files.
 */
static bool
ensure_connection(IngestRun *run)
{
	if (run->gave_up)
		return false;
	if (run->conn != NULL && PQstatus(run->conn) == CONNECTION_OK)
		return true;
	progress_clear(&run->progress);
	cli_error("connection to the server lost; reconnecting");
	PQfinish(run->conn);
	run->conn = NULL;
	if (ingest_connect(run))
		return true;
	run->gave_up = true;
	return false;
}

/* Say why a statement failed, and whether the connection went with it. */
void
ingest_set_error(FileResult *result, PGconn *conn, const PGresult *res)
{
	const char *sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	snprintf(result->error, sizeof(result->error), "%s",
			 res != NULL ? cli_result_error(res) : cli_conn_error(conn));
	snprintf(result->sqlstate, sizeof(result->sqlstate), "%s",
			 sqlstate ? sqlstate : "");
	result->conn_lost = PQstatus(conn) != CONNECTION_OK;
}

/* Wait for the query in flight, redrawing the progress line. */
static void
wait_for_result(IngestRun *run)
{
	PGconn	   *conn = run->conn;

	while (PQisBusy(conn))
	{
		fd_set		fds;
		struct timeval timeout = {0, 100000};
		int			sock = PQsocket(conn);

		if (sock < 0)
			break;
		FD_ZERO(&fds);
		FD_SET(sock, &fds);
		if (select(sock + 1, &fds, NULL, NULL, &timeout) < 0 && errno != EINTR)
			break;
		if (!PQconsumeInput(conn))
			break;
		progress_draw(&run->progress, false);
	}
}

/*
 * Run a query with parameters, sent and waited for in steps, so that the
 * progress line can say how long the server has been at it.  Returns the
 * last result (NULL if the query could not be sent).
 */
PGresult *
ingest_exec(IngestRun *run, const char *sql, int nparams, const Oid *types,
			const char *const *values, const int *lengths, const int *formats)
{
	PGresult   *res;
	PGresult   *last = NULL;

	if (!PQsendQueryParams(run->conn, sql, nparams, types, values, lengths,
						   formats, 0))
		return NULL;
	wait_for_result(run);
	while ((res = PQgetResult(run->conn)) != NULL)
	{
		PQclear(last);
		last = res;
	}
	return last;
}

/* ----------------------------------------------------------------
 * One file
 * ----------------------------------------------------------------
 */

/*
 * Does the file start with the MCAP magic?  Checked before anything is
 * sent, so that a file that is not MCAP at all costs no upload; the server
 * checks everything else.
 */
bool
ingest_has_magic(const char *path, FileResult *result)
{
	int			fd = open(path, O_RDONLY);
	char		magic[MCAP_MAGIC_SIZE];
	ssize_t		n;

	if (fd < 0)
	{
		snprintf(result->error, sizeof(result->error), "could not open: %s",
				 strerror(errno));
		return false;
	}
	n = read(fd, magic, sizeof(magic));
	close(fd);
	if (n == (ssize_t) sizeof(magic) && memcmp(magic, MCAP_MAGIC, sizeof(magic)) == 0)
		return true;
	snprintf(result->error, sizeof(result->error), "%s",
			 n < 0 ? strerror(errno) :
			 "not an MCAP file (it does not start with the MCAP magic)");
	return false;
}

static void
ingest_file(IngestRun *run, const CliFile *file, FileResult *result)
{
	uint8_t		digest[SHA256_DIGEST_LENGTH];
	bool		has_tags = true;

	memset(result, 0, sizeof(*result));
	result->outcome = OUTCOME_FAILED;
	if (!ensure_connection(run))
	{
		snprintf(result->error, sizeof(result->error),
				 "no connection to the server");
		return;
	}
	if (!ingest_has_magic(file->path, result) ||
		!sha256_file(file->path, digest, result->error, sizeof(result->error)))
		return;
	result->file_id = upload_find_stored(run, digest, result, &has_tags);
	if (result->file_id < 0)
		return;
	if (result->file_id > 0)
	{
		if (has_tags)
			result->outcome = OUTCOME_SKIPPED;
		else
			upload_merge_tags(run, result);
		return;
	}
	if (run->has_append)
		upload_file(run, file->path, result);
	else
		upload_lo_file(run, file->path, result);
}

/* ----------------------------------------------------------------
 * Reports
 * ----------------------------------------------------------------
 */
static void
report_tagged(const char *name, const FileResult *result)
{
	bool		renamed = strcmp(result->stored_name, name) != 0;

	printf("tagged %s (already stored as file %lld%s%s%s): tags merged, now %s\n",
		   name, result->file_id,
		   renamed ? ", named \"" : "",
		   renamed ? result->stored_name : "",
		   renamed ? "\"" : "",
		   result->tags);
}

/* Print the line for one file, and the notices it raised; count it. */
void
ingest_report(IngestRun *run, const char *path, const FileResult *result,
			  double seconds)
{
	const char *name = cli_base_name(path);
	char		size[32],
				took[32];

	progress_clear(&run->progress);
	cli_format_bytes(result->size ? result->size : result->bytes_sent,
					 size, sizeof(size));
	cli_format_duration(seconds, took, sizeof(took));
	switch (result->outcome)
	{
		case OUTCOME_INGESTED:
			printf("ingested %s as file %lld (%s, %lld msgs, %s)\n",
				   name, result->file_id, size, result->messages, took);
			run->ingested++;
			break;
		case OUTCOME_SKIPPED:
			printf("skipped %s (already stored as file %lld)\n",
				   name, result->file_id);
			run->skipped++;
			break;
		case OUTCOME_TAGGED:
			report_tagged(name, result);
			run->tagged++;
			break;
		case OUTCOME_RECORDING:
			printf("left %s recording as file %lld (%s, %lld msgs so far; "
				   "last grew %s ago)\n",
				   name, result->file_id, size, result->messages, took);
			run->recording++;
			break;
		case OUTCOME_FAILED:
			cli_error("FAILED %s: %s", path, result->error);
			run->failed++;
			break;
	}
	ingest_flush_notices(run);
}

void
ingest_summary(const IngestRun *run, double seconds)
{
	char		bytes[32],
				took[32],
				rate[32];

	cli_format_bytes(run->bytes_sent, bytes, sizeof(bytes));
	cli_format_duration(seconds, took, sizeof(took));
	cli_format_bytes(seconds > 0 ? (uint64_t) (run->bytes_sent / seconds) : 0,
					 rate, sizeof(rate));
	printf("%zu ingested, %zu skipped, ", run->ingested, run->skipped);
	if (run->tagged > 0)
		printf("%zu tagged (already stored; tags merged), ", run->tagged);
	if (run->recording > 0)
		printf("%zu left recording, ", run->recording);
	printf("%zu failed; %s sent in %s (%s/s)\n", run->failed, bytes, took, rate);
	if (run->verbose)
		printf("bytes sent: %llu\n", (unsigned long long) run->bytes_sent);
}

static int
ingest_all(IngestRun *run, const CliFileList *list)
{
	uint64_t	total = 0;
	double		started = cli_now();

	for (size_t i = 0; i < list->count; i++)
		total += list->files[i].size;
	progress_init(&run->progress, list->count, total);
	for (size_t i = 0; i < list->count; i++)
	{
		const CliFile *file = &list->files[i];
		FileResult	result;
		double		file_started = cli_now();
		uint64_t	done;

		progress_file(&run->progress, cli_base_name(file->path));
		ingest_file(run, file, &result);
		if (!result.uploading)
		{
			/* skipped, tagged, or failed before a byte was sent */
			progress_skip(&run->progress, file->size);
			ingest_report(run, file->path, &result, cli_now() - file_started);
			continue;
		}
		done = result.resumed_at + result.bytes_sent;
		if (done < file->size)
			progress_add(&run->progress, file->size - done);
		ingest_report(run, file->path, &result, cli_now() - file_started);
		progress_file_done(&run->progress);
	}
	progress_clear(&run->progress);
	ingest_summary(run, cli_now() - started);
	return run->failed > 0 ? EXIT_FAILED : EXIT_OK;
}

/* ----------------------------------------------------------------
 * The command line
 * ----------------------------------------------------------------
 */

/* A number of seconds for option name: positive and finite. */
static bool
parse_seconds(const char *name, const char *arg, double *seconds)
{
	char	   *end;
	double		value = strtod(arg, &end);

	if (end == arg || *end != '\0' || !isfinite(value) || value <= 0)
	{
		cli_usage_error("ingest", "invalid %s \"%s\": expected a positive number of seconds",
						name, arg);
		return false;
	}
	*seconds = value;
	return true;
}

/* Parse the options into run; returns -1 to go on, or an exit status. */
static int
parse_options(int argc, char **argv, IngestRun *run, bool *follow)
{
	static const struct option options[] = {
		{"dsn", required_argument, NULL, 'd'},
		{"tag", required_argument, NULL, 't'},
		{"follow", no_argument, NULL, 'f'},
		{"commit-interval", required_argument, NULL, 'c'},
		{"idle-timeout", required_argument, NULL, 'i'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	int			c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:fvh", options, NULL)) != -1)
	{
		switch (c)
		{
			case 'd':
				run->dsn = optarg;
				break;
			case 't':
				if (!cli_add_tag(&run->tags, optarg))
					return cli_usage_error("ingest",
										   "invalid tag \"%s\": expected KEY=VALUE",
										   optarg);
				break;
			case 'f':
				*follow = true;
				break;
			case 'c':
				if (!parse_seconds("--commit-interval", optarg, &run->commit_interval))
					return EXIT_USAGE;
				break;
			case 'i':
				if (!parse_seconds("--idle-timeout", optarg, &run->idle_timeout))
					return EXIT_USAGE;
				break;
			case 'v':
				run->verbose = true;
				break;
			case 'h':
				usage();
				return EXIT_OK;
			default:
				return cli_bad_option("ingest", argv, c);
		}
	}
	if (optind >= argc)
		return cli_usage_error("ingest", "no file or directory given");
	return -1;
}

/* hdaq ingest without --follow: the files named, once. */
static int
ingest_once(IngestRun *run, char **paths, int npaths)
{
	CliFileList list;
	bool		found = cli_collect_files(paths, npaths, &list);
	int			status;

	if (list.count == 0)
	{
		if (found)
			cli_error("no *.mcap files found");
		cli_free_files(&list);
		return EXIT_FAILED;
	}
	if (!ingest_connect(run))
	{
		cli_free_files(&list);
		return EXIT_FAILED;
	}
	status = ingest_all(run, &list);
	if (!found)
		status = EXIT_FAILED;
	cli_free_files(&list);
	return status;
}

int
cmd_ingest(int argc, char **argv)
{
	IngestRun	run;
	bool		follow = false;
	int			status;

	memset(&run, 0, sizeof(run));
	run.tags = cli_strdup("{}");
	run.commit_interval = 1;
	run.idle_timeout = 60;
	status = parse_options(argc, argv, &run, &follow);
	if (status < 0 && follow)
		status = follow_paths(&run, argv + optind, argc - optind);
	else if (status < 0)
		status = ingest_once(&run, argv + optind, argc - optind);
	PQfinish(run.conn);
	free(run.tags);
	return status;
}
