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

#include "executor/spi.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(hdaq_query_to_mat);

Datum
hdaq_query_to_mat(PG_FUNCTION_ARGS)
{
	MbFormat	format = mat_format_arg(fcinfo, 1);
	MemoryContext keep = CurrentMemoryContext;
	MatOutput  *out;
	Portal		portal;
	bytea	   *result;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("query must not be null")));
	out = mat_output_create(format);
	SPI_connect();
	portal = store_open_rows_query(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	mat_write_query(out->file, portal, keep);
	SPI_finish();

	result = mat_output_finish(out);
	PG_RETURN_BYTEA_P(result);
}
