/*-------------------------------------------------------------------------
 *
 * ingest.c
 *	  Entry points of hdaq.ingest(data bytea, name, tags),
 *	  hdaq.ingest_lo(lo oid, name, tags) and hdaq.ingest_file(path, tags):
 *	  the arguments, and the byte sources of a large object and of a
 *	  server file, for the ingest engine (engine/ingest.c).
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/ingest.h"
#include "functions/args.h"

#include "catalog/pg_authid.h"
#include "fmgr.h"
#include "libpq/libpq-fs.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

PG_FUNCTION_INFO_V1(hdaq_ingest);
PG_FUNCTION_INFO_V1(hdaq_ingest_lo);
PG_FUNCTION_INFO_V1(hdaq_ingest_file);

Datum
hdaq_ingest(PG_FUNCTION_ARGS)
{
	bytea	   *data;
	char	   *name = args_name(fcinfo, 1, NULL);
	Jsonb	   *tags = args_tags(fcinfo, 2);

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	data = PG_GETARG_BYTEA_PP(0);
	PG_RETURN_INT64(ingest_bytes(name, tags,
								 (const uint8 *) VARDATA_ANY(data),
								 VARSIZE_ANY_EXHDR(data)));
}

/* Large objects are read a fragment at a time, with lo_get's checks. */
typedef struct LargeObjectSource
{
	Oid			lo;
	int64		offset;
} LargeObjectSource;

static int64
read_large_object(void *arg, uint8 *buf, size_t len)
{
	LargeObjectSource *src = arg;
	bytea	   *fragment;
	size_t		n;

	fragment = DatumGetByteaPP(DirectFunctionCall3(be_lo_get_fragment,
												   ObjectIdGetDatum(src->lo),
												   Int64GetDatum(src->offset),
												   Int32GetDatum((int32) Min(len, INGEST_READ_SIZE))));
	n = VARSIZE_ANY_EXHDR(fragment);
	memcpy(buf, VARDATA_ANY(fragment), n);
	pfree(fragment);
	src->offset += n;
	return (int64) n;
}

/*
 * Open and close the large object before reading it, so that one that
 * does not exist, or that the caller may not read, is reported as
 * PostgreSQL reports it (42704, 42501), not as a failed read.
 */
static void
check_large_object_readable(Oid lo)
{
	Datum		fd = DirectFunctionCall2(be_lo_open, ObjectIdGetDatum(lo),
										 Int32GetDatum(INV_READ));

	DirectFunctionCall1(be_lo_close, fd);
}

Datum
hdaq_ingest_lo(PG_FUNCTION_ARGS)
{
	LargeObjectSource lo;
	char	   *name;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	lo.lo = PG_GETARG_OID(0);
	lo.offset = 0;
	check_large_object_readable(lo.lo);
	name = args_name(fcinfo, 1, NULL);
	PG_RETURN_INT64(ingest_source(name, args_tags(fcinfo, 2),
								  read_large_object, &lo));
}

static int64
read_file(void *arg, uint8 *buf, size_t len)
{
	FILE	   *f = arg;
	size_t		n = fread(buf, 1, len, f);

	if (n == 0 && ferror(f))
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read file: %m")));
	return (int64) n;
}

Datum
hdaq_ingest_file(PG_FUNCTION_ARGS)
{
	char	   *path;
	FILE	   *f;
	int64		file_id;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (!has_privs_of_role(GetUserId(), ROLE_PG_READ_SERVER_FILES))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to ingest a server-side file"),
				 errdetail("Only roles with privileges of the \"pg_read_server_files\" role may read files on the server."),
				 errhint("Use hdaq.ingest_lo() or the hdaq command to upload from the client.")));
	path = text_to_cstring(PG_GETARG_TEXT_PP(0));
	f = AllocateFile(path, "rb");
	if (f == NULL)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open file \"%s\" for reading: %m", path)));
	file_id = ingest_source(last_dir_separator(path) ?
							last_dir_separator(path) + 1 : path,
							args_tags(fcinfo, 1), read_file, f);
	FreeFile(f);
	PG_RETURN_INT64(file_id);
}
