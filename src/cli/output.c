/*-------------------------------------------------------------------------
 *
 * output.c
 *	  Writing a result to a file safely: the bytes go to PATH.tmp, which is
 *	  flushed to disk and then renamed to PATH, so PATH is either the old
 *	  file or the whole new one, never a partial write.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool
write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0)
	{
		ssize_t		n = write(fd, p, len);

		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			return false;
		}
		p += n;
		len -= (size_t) n;
	}
	return true;
}

/* Write data to path through path.tmp; report and return false on error. */
bool
cli_write_file(const char *path, const void *data, size_t len)
{
	size_t		plen = strlen(path);
	char	   *tmp = cli_malloc(plen + 5);
	int			fd;
	const char *failed = NULL;

	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp", 5);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd < 0)
	{
		cli_error("could not create \"%s\": %s", tmp, strerror(errno));
		free(tmp);
		return false;
	}
	if (!write_all(fd, data, len))
		failed = "write";
	else if (fsync(fd) != 0)
		failed = "fsync";
	if (close(fd) != 0 && failed == NULL)
		failed = "close";
	if (failed == NULL && rename(tmp, path) != 0)
		failed = "rename";
	if (failed != NULL)
	{
		cli_error("could not %s \"%s\": %s", failed, tmp, strerror(errno));
		unlink(tmp);
		free(tmp);
		return false;
	}
	free(tmp);
	return true;
}

/*
 * Run a query that returns one bytea-like value (parameters in text
 * format), fetched in binary.  Reports and returns NULL on error.
 */
PGresult *
cli_fetch_value(PGconn *conn, const char *sql, int nparams,
				const char *const *values, const char *path)
{
	PGresult   *res;

	res = PQexecParams(conn, sql, nparams, NULL, values, NULL, NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		cli_server_error(res);
		PQclear(res);
		return NULL;
	}
	if (PQntuples(res) != 1 || PQnfields(res) != 1 || PQgetisnull(res, 0, 0))
	{
		cli_error("the server returned no data for \"%s\"", path);
		PQclear(res);
		return NULL;
	}
	return res;
}

/* Write the value cli_fetch_value() fetched to path, and say so. */
bool
cli_write_value(const PGresult *res, const char *path)
{
	char		size[32];
	bool		ok;

	ok = cli_write_file(path, PQgetvalue(res, 0, 0),
						(size_t) PQgetlength(res, 0, 0));
	if (ok)
	{
		cli_format_bytes((uint64_t) PQgetlength(res, 0, 0), size, sizeof(size));
		printf("wrote %s (%s)\n", path, size);
	}
	return ok;
}

/* cli_fetch_value(), then cli_write_value(). */
bool
cli_export_value(PGconn *conn, const char *sql, int nparams,
				 const char *const *values, const char *path)
{
	PGresult   *res = cli_fetch_value(conn, sql, nparams, values, path);
	bool		ok;

	if (res == NULL)
		return false;
	ok = cli_write_value(res, path);
	PQclear(res);
	return ok;
}
