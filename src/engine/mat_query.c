/*-------------------------------------------------------------------------
 *
 * mat_query.c
 *	  Engine: the rows of any query as MATLAB variables, for
 *	  hdaq.query_to_mat, each column a variable named after it (made a
 *	  valid, unique MATLAB name):
 *
 *	    smallint, integer, bigint, real, double precision, numeric, oid
 *	                                    N x 1 double, NULL as NaN
 *	    boolean                         N x 1 logical, NULL as false
 *	    timestamptz, timestamp, date    N x 1 double, seconds since the
 *	                                    time origin (hdaq_info.time_origin:
 *	                                    the result's first time value)
 *	    text, varchar, char, name, json, jsonb
 *	                                    N x 1 cell of char, NULL as ''
 *	    arrays of the numeric types and of boolean
 *	                                    N x K double, K the longest array,
 *	                                    padded with NaN
 *
 * Any other type is an error naming the column and its type.  A variable
 * hdaq_info (the time origin, the query, the format) comes last; a column
 * named hdaq_info becomes hdaq_info_2.  The query
 * runs through SPI, read-only, with the caller's rights (the store opens
 * its cursor), and its rows are fetched MAT_BATCH_ROWS at a time: a v7.3 file appends every column but
 * arrays batch by batch, so they take no memory that grows with the rows;
 * array columns, and every column of v5 and v7 files, are held until
 * written.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/mat_query.h"

#include <math.h>

#include "engine/mat_info.h"
#include "engine/mat_output.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

typedef enum ColumnKind
{
	COL_NUMBER,
	COL_BOOL,
	COL_TIME,
	COL_TEXT,
	COL_ARRAY
} ColumnKind;

typedef struct QueryColumn
{
	char		name[MB_NAME_MAX + 1];
	char	   *sql_name;
	int			attnum;
	Oid			type;			/* the base type */
	Oid			elem;			/* arrays: the element's base type */
	ColumnKind	kind;
	bool		streamed;		/* appended batch by batch (v7.3) */
	uint64		appended;		/* rows appended */
	MbColumn   *text;			/* a streamed text column's rows */
	uint64		total;			/* rows of a streamed text column */
	FmgrInfo	output;			/* text columns */
	/* rows held */
	size_t		n;
	size_t		cap;
	double	   *d;
	uint8	   *l;
	char	  **s;
	size_t	   *slen;
	double	  **arr;
	int		   *alen;
	int			width;			/* arrays: the longest */
	uint64		bytes;			/* in a MAT 5 file */
} QueryColumn;

static bool
is_number_type(Oid type)
{
	switch (type)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case FLOAT4OID:
		case FLOAT8OID:
		case NUMERICOID:
		case OIDOID:
			return true;
	}
	return false;
}

static bool
is_text_type(Oid type)
{
	switch (type)
	{
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
		case NAMEOID:
		case JSONOID:
		case JSONBOID:
			return true;
	}
	return false;
}

/* How a column is written; an error for a type that cannot be. */
static void
classify_column(QueryColumn *col, Form_pg_attribute att)
{
	Oid			type = getBaseType(att->atttypid);
	Oid			elem = get_element_type(type);

	col->type = type;
	if (is_number_type(type))
		col->kind = COL_NUMBER;
	else if (type == BOOLOID)
		col->kind = COL_BOOL;
	else if (type == TIMESTAMPTZOID || type == TIMESTAMPOID || type == DATEOID)
		col->kind = COL_TIME;
	else if (is_text_type(type))
	{
		Oid			func;
		bool		varlena;

		col->kind = COL_TEXT;
		getTypeOutputInfo(type, &func, &varlena);
		fmgr_info(func, &col->output);
	}
	else if (OidIsValid(elem) &&
			 (is_number_type(getBaseType(elem)) || getBaseType(elem) == BOOLOID))
	{
		col->kind = COL_ARRAY;
		col->elem = getBaseType(elem);
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("column \"%s\" has type %s, which cannot be written to a MAT file",
						NameStr(att->attname), format_type_be(att->atttypid)),
				 errhint("Numbers, booleans, timestamps, dates, text and arrays of numbers can; cast the column to one of them.")));
}

/* A number of one of the numeric types (or a boolean) as a double. */
static double
number_value(Datum d, Oid type)
{
	switch (type)
	{
		case INT2OID:
			return DatumGetInt16(d);
		case INT4OID:
			return DatumGetInt32(d);
		case INT8OID:
			return (double) DatumGetInt64(d);
		case FLOAT4OID:
			return DatumGetFloat4(d);
		case FLOAT8OID:
			return DatumGetFloat8(d);
		case NUMERICOID:
			return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, d));
		case OIDOID:
			return DatumGetObjectId(d);
		case BOOLOID:
			return DatumGetBool(d) ? 1.0 : 0.0;
	}
	return NAN;
}

/*
 * The time origin of a query_to_mat file: the first time value of the
 * result, row by row, left to right; every time column counts seconds from
 * it, as export_mat's Timestamps count from its first message.
 */
typedef struct QueryTimes
{
	bool		has_origin;
	int64		origin_us;		/* microseconds since the Unix epoch */
} QueryTimes;

#define UNIX_EPOCH_OFFSET_DAYS ((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE))

/* Seconds since the time origin (which the first finite value sets). */
static double
time_value(Datum d, Oid type, QueryTimes *times)
{
	int64		us;

	if (type == DATEOID)
	{
		DateADT		day = DatumGetDateADT(d);
		int64		unix_day = (int64) day + UNIX_EPOCH_OFFSET_DAYS;

		if (DATE_NOT_FINITE(day))
			return DATE_IS_NOBEGIN(day) ? -INFINITY : INFINITY;
		/* dates reach further than microseconds in an int64 */
		if (unix_day > PG_INT64_MAX / USECS_PER_DAY ||
			unix_day < PG_INT64_MIN / USECS_PER_DAY)
			return (double) unix_day * SECS_PER_DAY -
				(times->has_origin ? times->origin_us / 1e6 : 0.0);
		us = unix_day * USECS_PER_DAY;
	}
	else
	{
		Timestamp	ts = DatumGetTimestamp(d);

		if (TIMESTAMP_NOT_FINITE(ts))
			return TIMESTAMP_IS_NOBEGIN(ts) ? -INFINITY : INFINITY;
		us = ts + UNIX_EPOCH_OFFSET_DAYS * USECS_PER_DAY;
	}
	if (!times->has_origin)
	{
		times->has_origin = true;
		times->origin_us = us;
	}
	return (double) (us - times->origin_us) / USECS_PER_SEC;
}

/* Room for one more row. */
static void
grow(QueryColumn *col)
{
	size_t		cap;

	if (col->n < col->cap)
		return;
	cap = col->cap ? col->cap * 2 : 1024;
	switch (col->kind)
	{
		case COL_NUMBER:
		case COL_TIME:
			col->d = col->d ? repalloc_huge(col->d, sizeof(double) * cap)
				: palloc_extended(sizeof(double) * cap, MCXT_ALLOC_HUGE);
			break;
		case COL_BOOL:
			col->l = col->l ? repalloc_huge(col->l, cap)
				: palloc_extended(cap, MCXT_ALLOC_HUGE);
			break;
		case COL_TEXT:
			col->s = col->s ? repalloc_huge(col->s, sizeof(char *) * cap)
				: palloc_extended(sizeof(char *) * cap, MCXT_ALLOC_HUGE);
			col->slen = col->slen ? repalloc_huge(col->slen, sizeof(size_t) * cap)
				: palloc_extended(sizeof(size_t) * cap, MCXT_ALLOC_HUGE);
			break;
		case COL_ARRAY:
			col->arr = col->arr ? repalloc_huge(col->arr, sizeof(double *) * cap)
				: palloc_extended(sizeof(double *) * cap, MCXT_ALLOC_HUGE);
			col->alen = col->alen ? repalloc_huge(col->alen, sizeof(int) * cap)
				: palloc_extended(sizeof(int) * cap, MCXT_ALLOC_HUGE);
			break;
	}
	col->cap = cap;
}

static void
add_array(QueryColumn *col, Datum d, MemoryContext keep)
{
	ArrayType  *a = DatumGetArrayTypeP(d);
	int16		typlen;
	bool		byval;
	char		align;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	double	   *values;

	get_typlenbyvalalign(ARR_ELEMTYPE(a), &typlen, &byval, &align);
	deconstruct_array(a, ARR_ELEMTYPE(a), typlen, byval, align, &elems, &nulls, &n);
	values = MemoryContextAlloc(keep, sizeof(double) * Max(n, 1));
	for (int i = 0; i < n; i++)
		values[i] = nulls[i] ? NAN : number_value(elems[i], col->elem);
	col->arr[col->n] = values;
	col->alen[col->n] = n;
	col->width = Max(col->width, n);
	col->bytes += (uint64) n * 8;
}

/* v7.3: one value of a streamed text column. */
static void
add_streamed_text(MbFile *file, QueryColumn *col, Datum d, bool isnull)
{
	char	   *text = isnull ? NULL : OutputFunctionCall(&col->output, d);
	int64		local;
	MbError		err;

	local = mb_column_reach(col->text, file, (size_t) col->total++, &err);
	if (local < 0 ||
		(text && !mb_column_set_string(col->text, (size_t) local, 0, text, strlen(text))))
		mat_report(local < 0 ? &err : &(MbError) {"out of memory", false},
				   psprintf("cannot write column \"%s\"", col->sql_name));
}

/* Add one value, room made by grow() (keep: where held values live). */
static void
add_value(QueryColumn *col, Datum d, bool isnull, MemoryContext keep,
		  QueryTimes *times)
{
	char	   *text;

	switch (col->kind)
	{
		case COL_NUMBER:
			col->d[col->n] = isnull ? NAN : number_value(d, col->type);
			col->bytes += 8;
			break;
		case COL_TIME:
			col->d[col->n] = isnull ? NAN : time_value(d, col->type, times);
			col->bytes += 8;
			break;
		case COL_BOOL:
			col->l[col->n] = !isnull && DatumGetBool(d);
			col->bytes += 1;
			break;
		case COL_TEXT:
			text = isnull ? NULL : OutputFunctionCall(&col->output, d);
			col->s[col->n] = text ? MemoryContextStrdup(keep, text) : NULL;
			col->slen[col->n] = text ? strlen(text) : 0;
			col->bytes += 64 + 2 * col->slen[col->n];
			break;
		case COL_ARRAY:
			col->arr[col->n] = NULL;
			col->alen[col->n] = 0;
			if (!isnull)
				add_array(col, d, keep);
			col->bytes += 16;
			break;
	}
	col->n++;
}

/* v7.3: append the rows held by a streamed column and forget them. */
static void
append_held(MbFile *file, QueryColumn *col)
{
	MbError		err;

	if (!col->streamed || col->n == 0)
		return;
	if (!mb_append_rows(file, col->name, col->kind == COL_BOOL ? MB_LOGICAL : MB_DOUBLE,
						col->kind == COL_BOOL ? (void *) col->l : (void *) col->d,
						col->n, 1, &err))
		mat_report(&err, psprintf("cannot write column \"%s\"", col->sql_name));
	col->appended += col->n;
	col->n = 0;
}

static matvar_t *
array_var(QueryColumn *col)
{
	size_t		n = col->n;
	double	   *data = palloc_extended(sizeof(double) * Max(n * col->width, 1),
									   MCXT_ALLOC_HUGE);

	for (size_t i = 0; i < n * col->width; i++)
		data[i] = NAN;
	for (size_t r = 0; r < n; r++)
		for (int k = 0; k < col->alen[r]; k++)
			data[(size_t) k * n + r] = col->arr[r][k];
	/* copied by matio: the buffer can go with the call's memory */
	return mb_double_var(col->name, data, n, col->width, false);
}

/* Write a column once every row is in. */
static void
write_column(MbFile *file, QueryColumn *col)
{
	MbError		err;
	matvar_t   *var = NULL;

	if (col->text != NULL)
	{
		if (!mb_column_place(col->text, file, (size_t) col->total,
							 psprintf("/%s", col->name), &err))
			mat_report(&err, psprintf("cannot write column \"%s\"", col->sql_name));
		return;
	}
	if (col->streamed && col->appended > 0)
	{
		append_held(file, col);
		if (col->kind == COL_BOOL &&
			!mb_plan_logical(file, psprintf("/%s", col->name), &err))
			mat_report(&err, psprintf("cannot write column \"%s\"", col->sql_name));
		return;
	}
	if (!mb_streams(file) && col->bytes > MAT5_VARIABLE_LIMIT)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("column \"%s\" needs %s as a MAT variable, more than the 2 GB a variable of a %s file can hold",
						col->sql_name, mat_size_text(col->bytes),
						mat_format_name(mb_format(file))),
				 errhint("Use format => 'v7.3', which has no such limit.")));
	switch (col->kind)
	{
		case COL_NUMBER:
		case COL_TIME:
			var = mb_double_var(col->name, col->d, col->n, 1, true);
			break;
		case COL_BOOL:
			var = mb_logical_var(col->name, col->l, col->n, 1, true);
			break;
		case COL_TEXT:
			var = mb_cell_var(col->name, (const char *const *) col->s, col->slen,
							  col->n, 1);
			break;
		case COL_ARRAY:
			var = array_var(col);
			break;
	}
	if (!mb_write(file, var, &err))
		mat_report(&err, psprintf("cannot write column \"%s\"", col->sql_name));
}

static void
free_column(void *c)
{
	mb_column_free(c);
}

/* A text column of a v7.3 file, appended in batches like the others. */
static void
start_text_column(QueryColumn *col, MbFile *file)
{
	MbError		err;

	col->text = palloc0(sizeof(MbColumn));
	if (!mb_column_init(col->text, MB_CELL, MAT_BATCH_ROWS, 1, true, file, &err))
		mat_report(&err, psprintf("cannot write column \"%s\"", col->sql_name));
	hdaq_free_with_context(col->text, free_column);
}

static QueryColumn *
describe_columns(TupleDesc desc, MbFile *file, int *ncols)
{
	QueryColumn *cols = palloc0(sizeof(QueryColumn) * Max(desc->natts, 1));
	MbNameSet	names;

	mb_nameset_init(&names);
	if (!mb_unique_name(&names, "hdaq_info", 9, (char[MB_NAME_MAX + 1]) {0}))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	*ncols = 0;
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		QueryColumn *col;

		if (att->attisdropped)
			continue;
		col = &cols[(*ncols)++];
		col->attnum = i + 1;
		col->sql_name = pstrdup(NameStr(att->attname));
		classify_column(col, att);
		col->streamed = mb_streams(file) &&
			(col->kind == COL_NUMBER || col->kind == COL_TIME || col->kind == COL_BOOL);
		if (mb_streams(file) && col->kind == COL_TEXT)
			start_text_column(col, file);
		if (!mb_unique_name(&names, col->sql_name, strlen(col->sql_name), col->name))
		{
			mb_nameset_free(&names);
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		}
	}
	mb_nameset_free(&names);
	return cols;
}

/* One fetched row: each column's value added or appended. */
static void
add_row(MbFile *file, QueryColumn *cols, int ncols, HeapTuple tuple,
		TupleDesc desc, MemoryContext keep, MemoryContext row_cxt,
		QueryTimes *times)
{
	MemoryContextSwitchTo(row_cxt);
	for (int c = 0; c < ncols; c++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(tuple, desc, cols[c].attnum, &isnull);

		if (cols[c].text != NULL)
		{
			add_streamed_text(file, &cols[c], d, isnull);
			continue;
		}
		/* held arrays grow in keep; values are made in row_cxt */
		MemoryContextSwitchTo(keep);
		grow(&cols[c]);
		MemoryContextSwitchTo(row_cxt);
		add_value(&cols[c], d, isnull, keep, times);
	}
	MemoryContextReset(row_cxt);
}

/* The rows of one fetch, then what v7.3 appends of them. */
static void
add_batch(MbFile *file, QueryColumn *cols, int ncols, MemoryContext keep,
		  MemoryContext row_cxt, QueryTimes *times)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(keep);

	for (uint64 r = 0; r < SPI_processed; r++)
	{
		CHECK_FOR_INTERRUPTS();
		add_row(file, cols, ncols, SPI_tuptable->vals[r],
				SPI_tuptable->tupdesc, keep, row_cxt, times);
	}
	MemoryContextSwitchTo(oldcxt);
	SPI_freetuptable(SPI_tuptable);
	for (int c = 0; c < ncols; c++)
		append_held(file, &cols[c]);
}

void
mat_write_query(MbFile *file, Portal portal, MemoryContext keep)
{
	MemoryContext row_cxt;
	QueryColumn *cols;
	int			ncols;
	QueryTimes	times = {0};
	const char *query = pstrdup(portal->sourceText ? portal->sourceText : "");

	cols = describe_columns(portal->tupDesc, file, &ncols);
	row_cxt = AllocSetContextCreate(CurrentMemoryContext, "hdaq query_to_mat rows",
									ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, MAT_BATCH_ROWS);
		if (SPI_processed == 0)
			break;
		add_batch(file, cols, ncols, keep, row_cxt, &times);
	}
	SPI_cursor_close(portal);
	for (int c = 0; c < ncols; c++)
		write_column(file, &cols[c]);
	mat_write_query_info(file, times.has_origin, times.origin_us * 1000, query);
}
