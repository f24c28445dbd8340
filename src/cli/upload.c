/*-------------------------------------------------------------------------
 *
 * upload.c
 *	  The client side of the server's append protocol, for hdaq ingest and
 *	  hdaq ingest --follow:
 *
 *	  hdaq.ingest_begin(name, tags)		a new file, 'recording', 0 bytes
 *	  hdaq.ingest_append(id, offset, data)	the file's bytes from offset
 *	  hdaq.ingest_finish(id)				the file will not grow
 *	  hdaq.ingest_prefix_sha256(id)			digest of the bytes received
 *
 * The offset is the idempotency key: the server ignores what it already
 * has, so an append can be repeated safely, and each append is its own
 * transaction, so a killed upload loses at most the piece in flight.  An
 * upload resumes a 'recording' file of the same name whose received bytes
 * are the local file's beginning (same digest), from where it stopped.
 * The append that brings the footer finishes the file on the server: it
 * says 'complete', and gives the id of the stored copy if the same content
 * was stored already.
 *
 * The local file is read sequentially, a piece at a time: never whole.
 *
 *-------------------------------------------------------------------------
 */
#include "ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Pieces are about 1/256 of the file, so that the piece in flight when an
 * upload is killed, the one sent again, is under 0.4% of a file of 256 MiB
 * or more, within bounds: big enough that a transaction per piece costs
 * little (each append takes up each channel's last segment again: about
 * 25 ms a piece for a dozen channels), small enough to keep memory
 * bounded.
 */
#define PIECES_PER_FILE		256
#define PIECE_MIN			(1024 * 1024)
#define PIECE_MAX			(8 * 1024 * 1024)

size_t
upload_piece_size(uint64_t file_size)
{
	uint64_t	piece = file_size / PIECES_PER_FILE;

	if (piece < PIECE_MIN)
		return PIECE_MIN;
	if (piece > PIECE_MAX)
		return PIECE_MAX;
	return (size_t) piece;
}

/* Is the upload still open on the server? */
static bool
is_recording(const Upload *up)
{
	return strcmp(up->state, "recording") == 0;
}

/*
 * The file_id of a stored file with this digest, or 0; -1 on error.  For
 * a stored file, its name, and whether it has the run's tags already.
 */
long long
upload_find_stored(IngestRun *run, const uint8_t digest[SHA256_DIGEST_LENGTH],
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
		ingest_set_error(result, run->conn, res);
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
void
upload_merge_tags(IngestRun *run, FileResult *result)
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
	{
		snprintf(result->error, sizeof(result->error),
				 "already stored as file %lld; merging its tags failed: %s",
				 result->file_id, cli_result_error(res));
		result->conn_lost = PQstatus(run->conn) != CONNECTION_OK;
	}
	PQclear(res);
}

/* Does the local file's first stored bytes have this (hex) digest? */
static bool
prefix_matches(const char *path, uint64_t stored, const char *hex)
{
	uint8_t		digest[SHA256_DIGEST_LENGTH];
	char		mine[2 * SHA256_DIGEST_LENGTH + 1];
	char		err[256];

	if (!sha256_file_prefix(path, stored, digest, err, sizeof(err)))
		return false;
	sha256_hex(digest, mine);
	return strcmp(mine, hex) == 0;
}

/*
 * Look for an upload of this file to resume: a 'recording' file of the
 * same name, holding no more than the local file, whose bytes are the local
 * file's beginning.  The one that holds the most wins.  Returns 1 and fills
 * up if there is one, 0 if not, -1 on error.
 */
int
upload_find_resumable(IngestRun *run, const char *path, uint64_t size,
					  Upload *up, FileResult *result)
{
	char		size_text[32];
	const char *values[2] = {cli_base_name(path), size_text};
	PGresult   *res;
	int			found = 0;

	snprintf(size_text, sizeof(size_text), "%llu", (unsigned long long) size);
	res = PQexecParams(run->conn,
					   "SELECT file_id, stored_bytes, "
					   "encode(hdaq.ingest_prefix_sha256(file_id), 'hex') "
					   "FROM hdaq.file WHERE name = $1 AND state = 'recording' "
					   "AND stored_bytes <= $2::bigint "
					   "ORDER BY stored_bytes DESC, file_id",
					   2, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		ingest_set_error(result, run->conn, res);
		PQclear(res);
		return -1;
	}
	for (int i = 0; i < PQntuples(res) && !found; i++)
	{
		uint64_t	stored = strtoull(PQgetvalue(res, i, 1), NULL, 10);

		if (!prefix_matches(path, stored, PQgetvalue(res, i, 2)))
			continue;
		up->file_id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		up->begun_id = up->file_id;
		up->stored_bytes = stored;
		snprintf(up->state, sizeof(up->state), "recording");
		found = 1;
	}
	PQclear(res);
	return found;
}

/* hdaq.ingest_begin(name, tags): a new recording file. */
bool
upload_begin(IngestRun *run, const char *name, Upload *up, FileResult *result)
{
	const char *values[2] = {name, run->tags};
	PGresult   *res;
	bool		ok;

	res = PQexecParams(run->conn, "SELECT hdaq.ingest_begin($1::text, $2::jsonb)",
					   2, NULL, values, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (ok)
	{
		up->file_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		up->begun_id = up->file_id;
		up->stored_bytes = 0;
		snprintf(up->state, sizeof(up->state), "recording");
	}
	else
		ingest_set_error(result, run->conn, res);
	PQclear(res);
	return ok;
}

/* Take a row of (file_id, stored_bytes, state) into up. */
static void
take_row(Upload *up, const PGresult *res)
{
	up->file_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	up->stored_bytes = strtoull(PQgetvalue(res, 0, 1), NULL, 10);
	snprintf(up->state, sizeof(up->state), "%s", PQgetvalue(res, 0, 2));
}

/* hdaq.ingest_append(file_id, offset, data), in a transaction of its own. */
static bool
append_piece(IngestRun *run, Upload *up, uint64_t offset, const char *data,
			 size_t len, FileResult *result)
{
	char		id_text[32],
				offset_text[32];
	const char *values[3] = {id_text, offset_text, data};
	const int	lengths[3] = {0, 0, (int) len};
	const int	formats[3] = {0, 0, 1};
	const Oid	types[3] = {0, 0, BYTEAOID};
	PGresult   *res;
	bool		ok;

	snprintf(id_text, sizeof(id_text), "%lld", up->file_id);
	snprintf(offset_text, sizeof(offset_text), "%llu", (unsigned long long) offset);
	if (run->verbose)
	{
		progress_clear(&run->progress);
		printf("  append %s: %zu bytes at offset %llu to file %lld\n",
			   up->name, len, (unsigned long long) offset, up->file_id);
		fflush(stdout);
	}
	result->bytes_sent += len;
	run->bytes_sent += len;
	res = ingest_exec(run, "SELECT file_id, stored_bytes, state "
					  "FROM hdaq.ingest_append($1::bigint, $2::bigint, $3)",
					  3, types, values, lengths, formats);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (ok)
		take_row(up, res);
	else
		ingest_set_error(result, run->conn, res);
	PQclear(res);
	return ok;
}

/* Read up to len bytes of fd at offset; -1 (result->error) on error. */
static ssize_t
read_at(int fd, char *buf, size_t len, uint64_t offset, FileResult *result)
{
	ssize_t		n;

	do
		n = pread(fd, buf, len, (off_t) offset);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		snprintf(result->error, sizeof(result->error), "could not read: %s",
				 strerror(errno));
	return n;
}

/*
 * Send the local file's bytes from what the server has up to end (or the
 * end of the file, if sooner), a piece at a time, each piece its own
 * append, until the server says the file is no longer recording (or a
 * signal asks --follow to stop).  With
 * last, the piece that reaches end is the last of the file: the progress
 * line says "finishing" while the server stores it.
 */
bool
upload_send(IngestRun *run, Upload *up, int fd, uint64_t end, size_t piece,
			bool last, FileResult *result)
{
	char	   *buf;
	bool		ok = true;

	if (up->stored_bytes >= end)
		return true;
	if (end - up->stored_bytes < piece)
		piece = (size_t) (end - up->stored_bytes);
	buf = cli_malloc(piece);
	while (ok && is_recording(up) && up->stored_bytes < end &&
		   !(run->interrupted && *run->interrupted))
	{
		uint64_t	offset = up->stored_bytes;
		size_t		want = end - offset < piece ? (size_t) (end - offset) : piece;
		ssize_t		n = read_at(fd, buf, want, offset, result);

		if (n <= 0)
		{
			ok = n == 0;		/* the file ends sooner: no more to send */
			break;
		}
		if (last && offset + (uint64_t) n >= end)
			progress_finishing(&run->progress);
		ok = append_piece(run, up, offset, buf, (size_t) n, result);
		if (ok && up->stored_bytes <= offset && is_recording(up))
		{
			snprintf(result->error, sizeof(result->error),
					 "the server stored nothing of %zd bytes at byte %llu",
					 n, (unsigned long long) offset);
			ok = false;
		}
		if (ok)
			progress_add(&run->progress, up->stored_bytes - offset);
	}
	free(buf);
	return ok;
}

/*
 * hdaq.ingest_finish(file_id): the file will not grow.  Its footer has not
 * come, so the server keeps what was valid in it, as 'cut short' (and says
 * so in a notice).
 */
bool
upload_finish(IngestRun *run, Upload *up, FileResult *result)
{
	char		id_text[32];
	const char *values[1] = {id_text};
	PGresult   *res;
	bool		ok;

	snprintf(id_text, sizeof(id_text), "%lld", up->file_id);
	res = ingest_exec(run, "SELECT f.file_id, f.stored_bytes, f.state "
					  "FROM hdaq.file f "
					  "WHERE f.file_id = hdaq.ingest_finish($1::bigint)",
					  1, NULL, values, NULL, NULL);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (ok)
		take_row(up, res);
	else if (PQresultStatus(res) == PGRES_TUPLES_OK)
		snprintf(result->error, sizeof(result->error),
				 "the finished file cannot be found");
	else
		ingest_set_error(result, run->conn, res);
	PQclear(res);
	return ok;
}

/*
 * Read back what the server has of an upload (after a lost connection:
 * the append in flight may or may not have been committed).  Returns 1,
 * 0 if the file is gone, -1 on error.
 */
int
upload_refresh(IngestRun *run, Upload *up, FileResult *result)
{
	char		id_text[32];
	const char *values[1] = {id_text};
	PGresult   *res;
	int			found;

	snprintf(id_text, sizeof(id_text), "%lld", up->file_id);
	res = PQexecParams(run->conn, "SELECT file_id, stored_bytes, state "
					   "FROM hdaq.file WHERE file_id = $1::bigint",
					   1, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		ingest_set_error(result, run->conn, res);
		PQclear(res);
		return -1;
	}
	found = PQntuples(res) == 1;
	if (found)
		take_row(up, res);
	PQclear(res);
	return found;
}

/* The stored file's message count, size and state. */
bool
upload_describe(IngestRun *run, FileResult *result)
{
	char		id_text[32];
	const char *values[1] = {id_text};
	PGresult   *res;
	bool		ok;

	snprintf(id_text, sizeof(id_text), "%lld", result->file_id);
	res = PQexecParams(run->conn,
					   "SELECT message_count, size_bytes, state "
					   "FROM hdaq.file WHERE file_id = $1::bigint",
					   1, NULL, values, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (ok)
	{
		result->messages = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		result->size = strtoull(PQgetvalue(res, 0, 1), NULL, 10);
		snprintf(result->state, sizeof(result->state), "%s", PQgetvalue(res, 0, 2));
	}
	else if (PQresultStatus(res) == PGRES_TUPLES_OK)
		snprintf(result->error, sizeof(result->error),
				 "the stored file cannot be found");
	else
		ingest_set_error(result, run->conn, res);
	PQclear(res);
	return ok;
}

/*
 * Resuming: say so, and merge the run's tags (if any) into those the
 * upload began with.  A failure to merge them is shown, not fatal.
 */
void
upload_resumed(IngestRun *run, const Upload *up, uint64_t size,
			   FileResult *result)
{
	FileResult	tagging;

	progress_clear(&run->progress);
	printf("resuming %s at byte %llu of %llu\n", up->name,
		   (unsigned long long) up->stored_bytes, (unsigned long long) size);
	fflush(stdout);
	result->resumed_at = up->stored_bytes;
	progress_skip_bytes(&run->progress, up->stored_bytes);
	if (strcmp(run->tags, "{}") == 0)
		return;
	memset(&tagging, 0, sizeof(tagging));
	tagging.file_id = up->file_id;
	upload_merge_tags(run, &tagging);
	if (tagging.outcome != OUTCOME_TAGGED)
		printf("  WARNING: %s\n", tagging.error);
}

/*
 * The server refused to keep a file that ended without its footer: it holds
 * nothing usable (22P03, invalid_binary_representation).  Its recording
 * upload, that nothing can complete, is removed, so that, as with any
 * refused file, nothing of it is left.
 */
static void
discard_unusable(IngestRun *run, const Upload *up, const FileResult *result)
{
	char		id_text[32];
	const char *values[1] = {id_text};

	if (strcmp(result->sqlstate, "22P03") != 0 ||
		PQstatus(run->conn) != CONNECTION_OK)
		return;
	snprintf(id_text, sizeof(id_text), "%lld", up->file_id);
	PQclear(PQexecParams(run->conn, "SELECT hdaq.delete_file($1::bigint)",
						 1, NULL, values, NULL, NULL, 0));
}

/*
 * Upload one file (one that is not stored yet) through the append
 * protocol: resume its upload or begin one, send the rest, and, if the
 * file ends without its footer, finish it as cut short.
 */
void
upload_file(IngestRun *run, const char *path, FileResult *result)
{
	int			fd = open(path, O_RDONLY);
	struct stat st;
	Upload		up = {.name = cli_base_name(path)};
	int			found;

	result->outcome = OUTCOME_FAILED;
	if (fd < 0 || fstat(fd, &st) != 0)
	{
		snprintf(result->error, sizeof(result->error), "could not open: %s",
				 strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	found = upload_find_resumable(run, path, (uint64_t) st.st_size, &up, result);
	if (found > 0)
		upload_resumed(run, &up, (uint64_t) st.st_size, result);
	if (found < 0 || (found == 0 && !upload_begin(run, up.name, &up, result)))
		goto done;
	result->uploading = true;
	progress_upload(&run->progress);
	if (!upload_send(run, &up, fd, (uint64_t) st.st_size,
					 upload_piece_size((uint64_t) st.st_size), true, result))
		goto done;
	progress_finishing(&run->progress);
	if (is_recording(&up) && !upload_finish(run, &up, result))
	{
		discard_unusable(run, &up, result);
		goto done;
	}
	result->file_id = up.file_id;
	if (!upload_describe(run, result))
		goto done;
	/* the same content was stored already: the upload was merged into it */
	result->outcome = up.file_id != up.begun_id ? OUTCOME_SKIPPED : OUTCOME_INGESTED;
done:
	close(fd);
}
