/*-------------------------------------------------------------------------
 *
 * upload_lo.c
 *	  hdaq ingest against a server whose hdaq has no append protocol
 *	  (before 0.2: no hdaq.ingest_append()): in one transaction, the file
 *	  is streamed into a new large object a megabyte at a time (never held
 *	  in memory whole), hdaq.ingest_lo() stores it, the large object is
 *	  unlinked, and the transaction commits.
 *
 * A failure, or a dropped connection, rolls the transaction back, large
 * object included, so nothing of that file is left behind, and running the
 * command again redoes the whole file.
 *
 *-------------------------------------------------------------------------
 */
#include "ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libpq/libpq-fs.h"

#define LO_CHUNK_SIZE	(1024 * 1024)

/* Run a command that returns no rows; on failure fill result->error. */
static bool
run_command(PGconn *conn, const char *sql, FileResult *result)
{
	PGresult   *res = PQexec(conn, sql);
	bool		ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		ingest_set_error(result, conn, res);
	PQclear(res);
	return ok;
}

/* Copy the open file fd into the open large object lofd. */
static bool
copy_to_lo(IngestRun *run, int fd, int lofd, FileResult *result)
{
	PGconn	   *conn = run->conn;
	char	   *buf = cli_malloc(LO_CHUNK_SIZE);
	ssize_t		n;
	bool		ok = true;

	while (ok && (n = read(fd, buf, LO_CHUNK_SIZE)) != 0)
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
			run->bytes_sent += (uint64_t) n;
			progress_add(&run->progress, (uint64_t) n);
		}
	}
	free(buf);
	return ok;
}

/* Stream the file into the large object lo. */
static bool
upload_to_lo(IngestRun *run, const char *path, Oid lo, FileResult *result)
{
	PGconn	   *conn = run->conn;
	int			fd = open(path, O_RDONLY);
	int			lofd;
	bool		ok;

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
	ok = copy_to_lo(run, fd, lofd, result);
	close(fd);
	if (ok && lo_close(conn, lofd) != 0)
	{
		snprintf(result->error, sizeof(result->error),
				 "could not close large object: %s", cli_conn_error(conn));
		ok = false;
	}
	return ok;
}

/* SELECT hdaq.ingest_lo(lo, name, tags): the file_id, or -1. */
static long long
call_ingest_lo(IngestRun *run, Oid lo, const char *name, FileResult *result)
{
	char		oid_text[16];
	const char *values[3] = {oid_text, name, run->tags};
	PGresult   *res;
	long long	file_id = -1;

	snprintf(oid_text, sizeof(oid_text), "%u", lo);
	res = ingest_exec(run, "SELECT hdaq.ingest_lo($1::oid, $2::text, $3::jsonb)",
					  3, NULL, values, NULL, NULL);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		file_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	else
		ingest_set_error(result, run->conn, res);
	PQclear(res);
	return file_id;
}

/*
 * Read back the stored file's message count, and whether this transaction
 * stored it: a concurrent run may have committed the same content first,
 * in which case hdaq.ingest_lo returned that file's id.  A row inserted by
 * this transaction has ingested_at equal to the transaction's start time.
 */
static bool
describe_lo_stored(PGconn *conn, FileResult *result)
{
	char		id_text[32];
	const char *values[1] = {id_text};
	PGresult   *res;
	bool		ok;

	snprintf(id_text, sizeof(id_text), "%lld", result->file_id);
	res = PQexecParams(conn,
					   "SELECT message_count, ingested_at = now(), size_bytes "
					   "FROM hdaq.file WHERE file_id = $1::bigint",
					   1, NULL, values, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (ok)
	{
		result->messages = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		result->size = strtoull(PQgetvalue(res, 0, 2), NULL, 10);
		if (strcmp(PQgetvalue(res, 0, 1), "t") != 0)
			result->outcome = OUTCOME_SKIPPED;
	}
	else if (PQresultStatus(res) == PGRES_TUPLES_OK)
		snprintf(result->error, sizeof(result->error),
				 "the stored file cannot be found");
	else
		ingest_set_error(result, conn, res);
	PQclear(res);
	return ok;
}

/* Store the file in one transaction; on failure, roll it back. */
void
upload_lo_file(IngestRun *run, const char *path, FileResult *result)
{
	PGconn	   *conn = run->conn;
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
	if (!upload_to_lo(run, path, lo, result))
		goto failed;
	progress_finishing(&run->progress);
	result->file_id = call_ingest_lo(run, lo, cli_base_name(path), result);
	if (result->file_id < 0)
		goto failed;
	if (lo_unlink(conn, lo) < 0)
	{
		snprintf(result->error, sizeof(result->error),
				 "could not unlink large object: %s", cli_conn_error(conn));
		goto failed;
	}
	result->outcome = OUTCOME_INGESTED;
	if (!describe_lo_stored(conn, result) ||
		!run_command(conn, "COMMIT", result))
		goto failed;
	return;

failed:
	result->outcome = OUTCOME_FAILED;
	if (PQstatus(conn) == CONNECTION_OK &&
		PQtransactionStatus(conn) != PQTRANS_IDLE)
		PQclear(PQexec(conn, "ROLLBACK"));
}
