/*-------------------------------------------------------------------------
 *
 * mat_output.h
 *	  Engine: what hdaq.export_mat and hdaq.query_to_mat share, the format
 *	  argument and the MAT file being written, which lives in the server's
 *	  temporary directory and is removed on success, error and cancel
 *	  alike.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_MAT_OUTPUT_H
#define HDAQ_MAT_OUTPUT_H

#include "hdaq.h"

#include "fmgr.h"

#include "matbuild.h"

/*
 * The most a variable of a MAT 5 file (v5, v7) may take: MATLAB's own
 * limit for these formats.
 */
#define MAT5_VARIABLE_LIMIT ((uint64) 2 * 1024 * 1024 * 1024 - 1)

/* Rows of a column held in memory between appends to a v7.3 file. */
#define MAT_BATCH_ROWS 8192

typedef struct MatOutput
{
	MbFile	   *file;			/* NULL once closed */
	char	   *path;
	bool		removed;
	MemoryContextCallback cb;
} MatOutput;

/* The format argument ('v7', 'v5' or 'v7.3'; NULL is 'v7'). */
extern MbFormat mat_format_arg(FunctionCallInfo fcinfo, int arg);
extern const char *mat_format_name(MbFormat format);

/*
 * A new MAT file in the temporary directory, removed when
 * CurrentMemoryContext is reset or deleted (after an error or a cancel),
 * unless mat_output_finish removed it first.
 */
extern MatOutput *mat_output_create(MbFormat format);

/* Close the file and return its bytes as a bytea in CurrentMemoryContext. */
extern bytea *mat_output_finish(MatOutput *out);

/* ereport an error of the MAT layer. */
extern void mat_report(const MbError *err, const char *what) pg_attribute_noreturn();

/* Text of a byte count for messages: "2.1 GB". */
extern char *mat_size_text(uint64 bytes);

#endif							/* HDAQ_MAT_OUTPUT_H */
