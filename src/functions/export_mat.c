/*-------------------------------------------------------------------------
 *
 * export_mat.c
 *	  Entry point of hdaq.export_mat(file_id, topics, start_time, end_time,
 *	  format, layout, laps): the selected messages of a stored file as a
 *	  MATLAB file, one struct variable per topic, the run's stored laps and
 *	  distance, and a variable hdaq_info describing the export, written by engine/mat_export.c into the
 *	  temporary file of engine/mat_output.c.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "engine/mat_export.h"
#include "engine/mat_output.h"
#include "engine/request.h"
#include "engine/scan.h"

#include "executor/spi.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(hdaq_export_mat);

/* The layout argument ('leaf' or 'topic'; absent or NULL is 'leaf'). */
static MbLayout
mat_layout_arg(FunctionCallInfo fcinfo, int arg)
{
	char	   *name = "leaf";
	MbLayout	layout;

	if (PG_NARGS() > arg && !PG_ARGISNULL(arg))
		name = text_to_cstring(PG_GETARG_TEXT_PP(arg));
	if (!mb_parse_layout(name, &layout))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid MAT layout \"%s\"", name),
				 errhint("Use 'leaf' (each leaf a struct of Data and Timestamp) or 'topic' (one Timestamp per topic).")));
	return layout;
}

/*
 * The laps argument: NULL (or absent, the 0.1.0 signature) writes the
 * run's stored laps when it has some, true requires them, false never.
 */
static MatLapsMode
mat_laps_arg(FunctionCallInfo fcinfo, int arg)
{
	if (PG_NARGS() <= arg || PG_ARGISNULL(arg))
		return MAT_LAPS_AUTO;
	return PG_GETARG_BOOL(arg) ? MAT_LAPS_ON : MAT_LAPS_OFF;
}

Datum
hdaq_export_mat(PG_FUNCTION_ARGS)
{
	ScanRequest req;
	MbFormat	format;
	MbLayout	layout;
	MatOutput  *out;
	bytea	   *result;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("file_id must not be null")));
	format = mat_format_arg(fcinfo, 4);
	layout = mat_layout_arg(fcinfo, 5);
	/* topics and times; the file is the first argument */
	scan_request_from_args(fcinfo, 1, 2, &req);
	req.has_file_id = true;
	req.file_id = PG_GETARG_INT64(0);

	SPI_connect();
	request_check(&req);
	SPI_finish();
	out = mat_output_create(format);
	SPI_connect();
	mat_export_selection(out->file, &req, format, layout, mat_laps_arg(fcinfo, 6));
	SPI_finish();

	result = mat_output_finish(out);
	PG_RETURN_BYTEA_P(result);
}
