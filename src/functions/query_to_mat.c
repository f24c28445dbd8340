/*-------------------------------------------------------------------------
 *
 * query_to_mat.c
 *	  Entry point of hdaq.query_to_mat(query, format): the result of any
 *	  query as a MATLAB file, one variable per column.  The store opens the
 *	  query read-only with the caller's rights, engine/mat_query.c turns its
 *	  rows into variables, in the temporary file of engine/mat_output.c.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/mat_output.h"
#include "engine/mat_query.h"
#include "store/store.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/resowner.h"

PG_FUNCTION_INFO_V1(hdaq_query_to_mat);

/*
 * Run the query read-only, leaving nothing behind: in a subtransaction
 * that is read-only (as SET TRANSACTION READ ONLY makes one: writes to
 * tables and nextval fail with 25006), and that is rolled back once its
 * rows are in the file, so whatever else a function it calls did (such as
 * lo_create, which a read-only transaction allows) is undone.
 */
static void
write_query_read_only(MatOutput *out, const char *query, MemoryContext keep)
{
	MemoryContext caller = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;

	BeginInternalSubTransaction(NULL);
	XactReadOnly = true;		/* the rollback restores the caller's */
	MemoryContextSwitchTo(caller);
	PG_TRY();
	{
		mat_write_query(out->file, store_open_rows_query(query), keep);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(caller);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(caller);
		CurrentResourceOwner = owner;
		ReThrowError(edata);
	}
	PG_END_TRY();
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(caller);
	CurrentResourceOwner = owner;
}

Datum
hdaq_query_to_mat(PG_FUNCTION_ARGS)
{
	MbFormat	format = mat_format_arg(fcinfo, 1);
	MemoryContext keep = CurrentMemoryContext;
	MatOutput  *out;
	bytea	   *result;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("query must not be null")));
	out = mat_output_create(format);
	SPI_connect();
	write_query_read_only(out, text_to_cstring(PG_GETARG_TEXT_PP(0)), keep);
	SPI_finish();

	result = mat_output_finish(out);
	PG_RETURN_BYTEA_P(result);
}
