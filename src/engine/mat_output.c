/*-------------------------------------------------------------------------
 *
 * mat_output.c
 *	  Engine: the MAT file being written by hdaq.export_mat and
 *	  hdaq.query_to_mat.  It lives in the server's temporary directory and
 *	  is removed on success, error and cancel alike; finished, its bytes
 *	  become the function's bytea.  Also the format argument and the
 *	  reporting of the MAT layer's errors.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/mat_output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/pg_tablespace_d.h"
#include "commands/tablespace.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

MbFormat
mat_format_arg(FunctionCallInfo fcinfo, int arg)
{
	MbFormat	format = MB_FORMAT_V7;
	char	   *name;

	if (PG_NARGS() <= arg || PG_ARGISNULL(arg))
		return format;
	name = text_to_cstring(PG_GETARG_TEXT_PP(arg));
	if (!mb_parse_format(name, &format))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid MAT format \"%s\"", name),
				 errhint("Use 'v7' (the default, compressed), 'v5' (uncompressed) or 'v7.3' (HDF5, no size limit).")));
	return format;
}

const char *
mat_format_name(MbFormat format)
{
	switch (format)
	{
		case MB_FORMAT_V5:
			return "v5";
		case MB_FORMAT_V7:
			return "v7";
		case MB_FORMAT_V73:
			return "v7.3";
	}
	return "?";
}

void
mat_report(const MbError *err, const char *what)
{
	if (err->canceled)
	{
		/* the core stopped because an interrupt is pending: serve it */
		CHECK_FOR_INTERRUPTS();
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("canceling statement due to user request")));
	}
	ereport(ERROR,
			(errcode(strcmp(err->message, "out of memory") == 0 ?
					 ERRCODE_OUT_OF_MEMORY : ERRCODE_IO_ERROR),
			 errmsg("%s: %s", what, err->message)));
	pg_unreachable();
}

char *
mat_size_text(uint64 bytes)
{
	if (bytes >= (uint64) 1024 * 1024 * 1024)
		return psprintf("%.1f GB", bytes / (1024.0 * 1024 * 1024));
	return psprintf("%.1f MB", bytes / (1024.0 * 1024));
}

/*
 * The MAT layer's cancel callback: whether a cancel (or termination) is
 * pending and may be served now.  It only looks; the caller of the MAT
 * layer calls CHECK_FOR_INTERRUPTS() once the layer has returned
 * (mat_report), so no error ever jumps through its code.
 */
static bool
interrupt_pending(void *arg)
{
	return InterruptPending && (QueryCancelPending || ProcDiePending) &&
		INTERRUPTS_CAN_BE_PROCESSED();
}

/* Reset callback: close and remove a file that was not finished. */
static void
discard_output(void *arg)
{
	MatOutput  *out = arg;

	if (out->file != NULL)
		mb_discard(out->file);
	out->file = NULL;
	if (!out->removed)
		unlink(out->path);
	out->removed = true;
}

/* The directory of temporary files (temp_tablespaces, or the default). */
static void
temp_directory(char *path)
{
	Oid			tablespace;

	PrepareTempTablespaces();
	tablespace = GetNextTempTableSpace();
	TempTablespacePath(path, OidIsValid(tablespace) ? tablespace : DEFAULTTABLESPACE_OID);
	if (MakePGDirectory(path) < 0 && errno != EEXIST)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not create directory \"%s\": %m", path)));
}

MatOutput *
mat_output_create(MbFormat format)
{
	static uint32 counter;
	MatOutput  *out = palloc0(sizeof(MatOutput));
	char		dir[MAXPGPATH];
	MbError		err;

	temp_directory(dir);
	/* the prefix lets the server remove it at restart after a crash */
	out->path = psprintf("%s/%s%d.hdaq_mat.%u", dir, PG_TEMP_FILE_PREFIX,
						 MyProcPid, counter++);
	out->removed = true;
	out->cb.func = discard_output;
	out->cb.arg = out;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &out->cb);
	out->removed = false;
	out->file = mb_create(out->path, format, &err);
	if (out->file == NULL)
		mat_report(&err, "cannot create a temporary MAT file");
	mb_set_cancel(out->file, interrupt_pending, NULL);
	return out;
}

/* Read the finished file into a bytea. */
static bytea *
read_output(const char *path)
{
	struct stat st;
	bytea	   *result;
	size_t		done = 0;
	int			fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);

	if (fd < 0 || fstat(fd, &st) < 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read the MAT file \"%s\": %m", path)));
	if ((uint64) st.st_size > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the MAT file is %s, more than a bytea value can hold (1 GB)",
						mat_size_text((uint64) st.st_size)),
				 errhint("Export fewer topics or a shorter time range.")));
	result = palloc(VARHDRSZ + st.st_size);
	while (done < (size_t) st.st_size)
	{
		ssize_t		n = read(fd, VARDATA(result) + done, st.st_size - done);

		CHECK_FOR_INTERRUPTS();
		if (n <= 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read the MAT file \"%s\": %m", path)));
		done += n;
	}
	CloseTransientFile(fd);
	SET_VARSIZE(result, VARHDRSZ + st.st_size);
	return result;
}

bytea *
mat_output_finish(MatOutput *out)
{
	MbError		err;
	MbFile	   *file = out->file;
	bytea	   *result;

	out->file = NULL;
	if (!mb_finish(file, &err))
		mat_report(&err, "cannot finish the MAT file");
	result = read_output(out->path);
	if (unlink(out->path) < 0)
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not remove temporary file \"%s\": %m", out->path)));
	out->removed = true;
	return result;
}
