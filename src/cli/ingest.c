/*-------------------------------------------------------------------------
 *
 * ingest.c
 *	  hdaq ingest [--dsn DSN] [--tag key=value]... PATH...
 *
 * Stores MCAP files, and the *.mcap files found under directories, in the
 * database.  For each file:
 *
 *	1. a file that does not start with the MCAP magic fails at once; its
 *	   sha256 is computed locally, and a file the server already holds
 *	   (same digest) is skipped without sending a byte, or, with --tag
 *	   tags it does not have yet, tagged: the server merges the tags into
 *	   the stored file's (hdaq.tag) and the command says so;
 *	2. otherwise, in one transaction, the file is streamed into a new large
 *	   object a megabyte at a time (never held in memory whole),
 *	   hdaq.ingest_lo() stores it, the large object is unlinked, and the
 *	   transaction commits.
 *
 * A hot standby is refused at once, before anything is read or sent.
 *
 * A failure, or a dropped connection, rolls the transaction back, large
 * object included, so nothing of that file is left behind; running the
 * command again redoes it and skips what was done.  After a file fails
 * the others are still tried (reconnecting once if the connection was
 * lost), and the exit status says whether any failed.
 *
 * Server notices (such as the one for a damaged file that was recovered)
 * are shown under the file they belong to.  On a terminal a progress line
 * (progress.c) shows the bytes and files of the files being uploaded, the
 * time left, and "finishing" while the server stores an uploaded file.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include "libpq/libpq-fs.h"
#include "mcap.h"

#define UPLOAD_CHUNK_SIZE	(1024 * 1024)
#define BYTEAOID			17

typedef enum Outcome
{
	OUTCOME_INGESTED,
	OUTCOME_SKIPPED,
	OUTCOME_TAGGED,				/* already stored; the tags were merged */
	OUTCOME_FAILED
} Outcome;

/* What became of one file. */
typedef struct FileResult
{
	Outcome		outcome;
	long long	file_id;
	long long	messages;
	uint64_t	bytes_sent;
	bool		uploading;		/* the upload began */
	char		stored_name[256];	/* of a file already stored */
	char		tags[1024];		/* after merging */
	char		error[1024];
} FileResult;

/* The state of one run of the command. */
typedef struct IngestRun
{
	const char *dsn;
	char	   *tags;			/* JSON object */
	PGconn	   *conn;
	bool		gave_up;		/* the connection is gone for good */
	Progress	progress;
	char	  **notices;		/* for the file being ingested */
	size_t		notice_count;
	size_t		ingested;
	size_t		skipped;
	size_t		tagged;
	size_t		failed;
	uint64_t	bytes_ingested;
} IngestRun;

static void
usage(void)
{
	printf("Store MCAP files in the database.\n\n"
		   "Usage:\n  hdaq ingest [OPTION]... PATH...\n\n"
		   "Each PATH is a file, or a directory searched recursively for *.mcap\n"
		   "files.  A file already stored (same sha256) is skipped; each file is\n"
		   "stored in its own transaction, so an interrupted run can simply be\n"
		   "run again.\n\n"
		   "Options:\n"
		   "  --dsn DSN              connection string or URI (default: PG* variables)\n"
		   "  -t, --tag KEY=VALUE    tag the files (repeatable); stored in hdaq.file.tags,\n"
		   "                         and merged into the tags of a file already stored\n"
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

static void
flush_notices(IngestRun *run)
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

static bool
connect_run(IngestRun *run)
{
	run->conn = cli_connect(run->dsn);
	if (run->conn == NULL)
		return false;
	PQsetNoticeReceiver(run->conn, receive_notice, run);
	return true;
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
	if (connect_run(run))
		return true;
	run->gave_up = true;
	return false;
}

/* Is the hdaq extension installed in the database we are connected to? */
static bool
check_extension(PGconn *conn)
{
	PGresult   *res = PQexec(conn, "SELECT to_regclass('hdaq.file') IS NOT NULL");
	bool		ok;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		cli_error("%s", cli_result_error(res));
		PQclear(res);
		return false;
	}
	ok = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!ok)
		cli_error("the hdaq extension is not installed in database \"%s\" "
				  "(CREATE EXTENSION hdaq)", PQdb(conn));
	return ok;
}

/*
 * Can the server store files?  A hot standby cannot: say so before any
 * file is read or sent (there even the large object the upload goes into
 * could not be created, and the server's error would not say why).
 */
static bool
check_not_standby(PGconn *conn)
{
	PGresult   *res = PQexec(conn, "SELECT pg_catalog.pg_is_in_recovery()");
	bool		standby;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		cli_error("%s", cli_result_error(res));
		PQclear(res);
		return false;
	}
	standby = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (standby)
		cli_error("the server is a hot standby (in recovery, read-only): "
				  "ingest into its primary");
	return !standby;
}

/* ----------------------------------------------------------------
 * One file
 * ----------------------------------------------------------------
 */

/* Run a command that returns no rows; on failure fill result->error. */
static bool
run_command(PGconn *conn, const char *sql, FileResult *result)
{
	PGresult   *res = PQexec(conn, sql);
	bool		ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		snprintf(result->error, sizeof(result->error), "%s",
				 cli_result_error(res));
	PQclear(res);
	return ok;
}

/*
 * The file_id of a stored file with this digest, or 0; -1 on error.  For
 * a stored file, its name, and whether it has the run's tags already.
 */
static long long
find_stored(IngestRun *run, const uint8_t digest[SHA256_DIGEST_LENGTH],
			FileResult *result, bool *has_tags)
{
	const char *values[2] = {(const char *) digest, run->tags};
	const int	lengths[2] = {SHA256_DIGEST_LENGTH, 0};
	const int	formats[2] = {1, 0};
	const Oid	types[2] = {BYTEAOID, 0};
	PGresult   *res;
	long long	file_id = 0;

	res = PQexecParams(run->conn,
					   "SELECT file_id, coalesce(name, ''), tags @> $2::jsonb "
					   "FROM hdaq.file WHERE sha256 = $1",
					   2, types, values, lengths, formats, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		snprintf(result->error, sizeof(result->error), "%s",
				 cli_result_error(res));
		file_id = -1;
	}
	else if (PQntuples(res) > 0)
	{
		file_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		snprintf(result->stored_name, sizeof(result->stored_name), "%s",
				 PQgetvalue(res, 0, 1));
		*has_tags = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
	}
	PQclear(res);
	return file_id;
}

/* Merge the run's tags into a stored file's (hdaq.tag). */
static void
merge_tags(IngestRun *run, FileResult *result)
{
	char		id_text[32];
	const char *values[2] = {id_text, run->tags};
	PGresult   *res;

	snprintf(id_text, sizeof(id_text), "%lld", result->file_id);
	res = PQexecParams(run->conn, "SELECT hdaq.tag($1::bigint, $2::jsonb)::text",
					   2, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
	{
		result->outcome = OUTCOME_TAGGED;
		snprintf(result->tags, sizeof(result->tags), "%s", PQgetvalue(res, 0, 0));
	}
	else if (cli_is_undefined_function(res))
		snprintf(result->error, sizeof(result->error),
				 "already stored as file %lld, and its tags could not be merged: "
				 "this server's hdaq has no hdaq.tag() (ALTER EXTENSION hdaq UPDATE)",
				 result->file_id);
	else
		snprintf(result->error, sizeof(result->error),
				 "already stored as file %lld; merging its tags failed: %s",
				 result->file_id, cli_result_error(res));
	PQclear(res);
}

/* Stream the file into the large object lo, a chunk at a time. */
static bool
upload(IngestRun *run, const char *path, Oid lo, FileResult *result)
{
	PGconn	   *conn = run->conn;
	int			fd = open(path, O_RDONLY);
	int			lofd;
	char	   *buf;
	ssize_t		n = 0;
	bool		ok = true;

	if (fd < 0)
	{
		snprintf(result->error, sizeof(result->error), "could not open: %s",
				 strerror(errno));
		return false;
	}
	lofd = lo_open(conn, lo, INV_WRITE);
	if (lofd < 0)
	{
		snprintf(result->error, sizeof(result->error),
				 "could not open large object: %s", cli_conn_error(conn));
		close(fd);
		return false;
	}
	buf = cli_malloc(UPLOAD_CHUNK_SIZE);
	while (ok && (n = read(fd, buf, UPLOAD_CHUNK_SIZE)) != 0)
	{
		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			snprintf(result->error, sizeof(result->error), "could not read: %s",
					 strerror(errno));
			ok = false;
		}
		else if (lo_write(conn, lofd, buf, (size_t) n) != (int) n)
		{
			snprintf(result->error, sizeof(result->error),
					 "could not write large object: %s", cli_conn_error(conn));
			ok = false;
		}
		else
		{
			result->bytes_sent += (uint64_t) n;
			progress_add(&run->progress, (uint64_t) n);
		}
	}
	free(buf);
	close(fd);
	if (ok && lo_close(conn, lofd) != 0)
	{
		snprintf(result->error, sizeof(result->error),
				 "could not close large object: %s", cli_conn_error(conn));
		ok = false;
	}
	return ok;
}

/*
 * SELECT hdaq.ingest_lo(lo, name, tags): the file_id, or -1.  The query is
 * sent and waited for in steps, so that the progress line can say how long
 * the server has been at it.
 */
static long long
call_ingest_lo(IngestRun *run, Oid lo, const char *name, FileResult *result)
{
	char		oid_text[16];
	const char *values[3] = {oid_text, name, run->tags};
	PGconn	   *conn = run->conn;
	PGresult   *res;
	PGresult   *last = NULL;
	long long	file_id = -1;

	snprintf(oid_text, sizeof(oid_text), "%u", lo);
	if (!PQsendQueryParams(conn, "SELECT hdaq.ingest_lo($1::oid, $2::text, $3::jsonb)",
						   3, NULL, values, NULL, NULL, 0))
	{
		snprintf(result->error, sizeof(result->error), "%s", cli_conn_error(conn));
		return -1;
	}
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
	/* the results; the last one says how it went */
	while ((res = PQgetResult(conn)) != NULL)
	{
		PQclear(last);
		last = res;
		if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
			file_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	}
	if (last == NULL || PQresultStatus(last) != PGRES_TUPLES_OK)
	{
		file_id = -1;
		snprintf(result->error, sizeof(result->error), "%s",
				 last ? cli_result_error(last) : cli_conn_error(conn));
	}
	PQclear(last);
	return file_id;
}

/*
 * Read back the stored file's message count, and whether this transaction
 * stored it: a concurrent run may have committed the same content first,
 * in which case hdaq.ingest_lo returned that file's id.  A row inserted by
 * this transaction has ingested_at equal to the transaction's start time.
 */
static bool
describe_stored(PGconn *conn, FileResult *result)
{
	char		id_text[32];
	const char *values[1] = {id_text};
	PGresult   *res;
	bool		ok;

	snprintf(id_text, sizeof(id_text), "%lld", result->file_id);
	res = PQexecParams(conn,
					   "SELECT message_count, ingested_at = now() "
					   "FROM hdaq.file WHERE file_id = $1::bigint",
					   1, NULL, values, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (ok)
	{
		result->messages = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		if (strcmp(PQgetvalue(res, 0, 1), "t") != 0)
			result->outcome = OUTCOME_SKIPPED;
	}
	else
		snprintf(result->error, sizeof(result->error), "%s",
				 PQresultStatus(res) == PGRES_TUPLES_OK ?
				 "the stored file cannot be found" : cli_result_error(res));
	PQclear(res);
	return ok;
}

/* Store the file in one transaction; on failure, roll it back. */
static void
store_file(IngestRun *run, const CliFile *file, FileResult *result)
{
	PGconn	   *conn = run->conn;
	const char *name = cli_base_name(file->path);
	Oid			lo;

	if (!run_command(conn, "BEGIN", result))
		goto failed;
	lo = lo_creat(conn, INV_READ | INV_WRITE);
	if (lo == InvalidOid)
	{
		snprintf(result->error, sizeof(result->error),
				 "could not create large object: %s", cli_conn_error(conn));
		goto failed;
	}
	result->uploading = true;
	progress_upload(&run->progress);
	if (!upload(run, file->path, lo, result))
		goto failed;
	progress_finishing(&run->progress);
	result->file_id = call_ingest_lo(run, lo, name, result);
	if (result->file_id < 0)
		goto failed;
	if (lo_unlink(conn, lo) < 0)
	{
		snprintf(result->error, sizeof(result->error),
				 "could not unlink large object: %s", cli_conn_error(conn));
		goto failed;
	}
	result->outcome = OUTCOME_INGESTED;
	if (!describe_stored(conn, result))
		goto failed;
	if (!run_command(conn, "COMMIT", result))
		goto failed;
	return;

failed:
	result->outcome = OUTCOME_FAILED;
	if (PQstatus(conn) == CONNECTION_OK &&
		PQtransactionStatus(conn) != PQTRANS_IDLE)
	{
		PGresult   *res = PQexec(conn, "ROLLBACK");

		PQclear(res);
	}
}

/*
 * Does the file start with the MCAP magic?  Checked before anything is
 * sent, so that a file that is not MCAP at all costs no upload; the server
 * checks everything else.
 */
static bool
has_mcap_magic(const char *path, FileResult *result)
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
	if (!has_mcap_magic(file->path, result) ||
		!sha256_file(file->path, digest, result->error, sizeof(result->error)))
		return;
	result->file_id = find_stored(run, digest, result, &has_tags);
	if (result->file_id < 0)
		return;
	if (result->file_id > 0)
	{
		if (has_tags)
			result->outcome = OUTCOME_SKIPPED;
		else
			merge_tags(run, result);
		return;
	}
	store_file(run, file, result);
}

/* Print the line for one file, and the notices it raised. */
static void
report_file(IngestRun *run, const CliFile *file, const FileResult *result,
			double seconds)
{
	const char *name = cli_base_name(file->path);
	char		size[32],
				took[32];

	progress_clear(&run->progress);
	switch (result->outcome)
	{
		case OUTCOME_INGESTED:
			cli_format_bytes(result->bytes_sent, size, sizeof(size));
			cli_format_duration(seconds, took, sizeof(took));
			printf("ingested %s as file %lld (%s, %lld msgs, %s)\n",
				   name, result->file_id, size, result->messages, took);
			run->ingested++;
			run->bytes_ingested += result->bytes_sent;
			break;
		case OUTCOME_SKIPPED:
			printf("skipped %s (already stored as file %lld)\n",
				   name, result->file_id);
			run->skipped++;
			break;
		case OUTCOME_TAGGED:
			printf("tagged %s (already stored as file %lld%s%s%s): tags merged, now %s\n",
				   name, result->file_id,
				   strcmp(result->stored_name, name) != 0 ? ", named \"" : "",
				   strcmp(result->stored_name, name) != 0 ? result->stored_name : "",
				   strcmp(result->stored_name, name) != 0 ? "\"" : "",
				   result->tags);
			run->tagged++;
			break;
		case OUTCOME_FAILED:
			cli_error("FAILED %s: %s", file->path, result->error);
			run->failed++;
			break;
	}
	flush_notices(run);
}

static void
report_summary(const IngestRun *run, double seconds)
{
	char		bytes[32],
				took[32],
				rate[32];

	cli_format_bytes(run->bytes_ingested, bytes, sizeof(bytes));
	cli_format_duration(seconds, took, sizeof(took));
	cli_format_bytes(seconds > 0 ? (uint64_t) (run->bytes_ingested / seconds) : 0,
					 rate, sizeof(rate));
	printf("%zu ingested, %zu skipped, ", run->ingested, run->skipped);
	if (run->tagged > 0)
		printf("%zu tagged (already stored; tags merged), ", run->tagged);
	printf("%zu failed; %s sent in %s (%s/s)\n", run->failed, bytes, took, rate);
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

		progress_file(&run->progress, cli_base_name(file->path));
		ingest_file(run, file, &result);
		if (!result.uploading)
		{
			/* skipped, tagged, or failed before a byte was sent */
			progress_skip(&run->progress, file->size);
			report_file(run, file, &result, cli_now() - file_started);
			continue;
		}
		if (result.bytes_sent < file->size)
			progress_add(&run->progress, file->size - result.bytes_sent);
		report_file(run, file, &result, cli_now() - file_started);
		progress_file_done(&run->progress);
	}
	progress_clear(&run->progress);
	report_summary(run, cli_now() - started);
	return run->failed > 0 ? EXIT_FAILED : EXIT_OK;
}

int
cmd_ingest(int argc, char **argv)
{
	static const struct option options[] = {
		{"dsn", required_argument, NULL, 'd'},
		{"tag", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	IngestRun	run;
	CliFileList list;
	bool		found;
	int			c;
	int			status;

	memset(&run, 0, sizeof(run));
	run.tags = cli_strdup("{}");
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:h", options, NULL)) != -1)
	{
		switch (c)
		{
			case 'd':
				run.dsn = optarg;
				break;
			case 't':
				if (!cli_add_tag(&run.tags, optarg))
					return cli_usage_error("ingest",
										   "invalid tag \"%s\": expected KEY=VALUE",
										   optarg);
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

	found = cli_collect_files(argv + optind, argc - optind, &list);
	if (list.count == 0)
	{
		if (found)
			cli_error("no *.mcap files found");
		cli_free_files(&list);
		return EXIT_FAILED;
	}
	if (!connect_run(&run) || !check_extension(run.conn) ||
		!check_not_standby(run.conn))
	{
		PQfinish(run.conn);
		cli_free_files(&list);
		return EXIT_FAILED;
	}
	status = ingest_all(&run, &list);
	if (!found)
		status = EXIT_FAILED;
	PQfinish(run.conn);
	cli_free_files(&list);
	free(run.tags);
	return status;
}
