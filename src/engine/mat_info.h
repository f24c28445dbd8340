/*-------------------------------------------------------------------------
 *
 * mat_info.h
 *	  Engine: the variable hdaq_info of an export_mat file, from what the
 *	  export learnt (mat_export.c) and the store says of the file, and of
 *	  a query_to_mat file (mat_query.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_MAT_INFO_H
#define HDAQ_MAT_INFO_H

#include "hdaq.h"

#include "store/store.h"

#include "mattopic.h"

/* One exported topic: a row of hdaq_info.topics. */
typedef struct MatTopicInfo
{
	char	   *topic;
	char	   *variable;		/* the MATLAB variable it became */
	char	   *schema;
	double		messages;
} MatTopicInfo;

typedef struct MatExportInfo
{
	int64		file_id;
	StoredFileInfo file;
	bool		has_origin;		/* false: no message was exported */
	int64		origin_ns;
	StoredKeyValue *tags;
	int			ntags;
	StoredRecord *records;		/* the file's Metadata records */
	int			nrecords;
	MatTopicInfo *topics;
	int			ntopics;
	MbFormat	format;
	MbLayout	layout;
} MatExportInfo;

/*
 * The one convention of hdaq's MAT files, also written into each as
 * hdaq_info.time_unit: times are seconds since hdaq_info.time_origin.
 */
#define MAT_TIME_UNIT "seconds since time_origin (Unix time = time_origin + t)"

/* Write hdaq_info; ereports on failure. */
/*
 * Write a struct variable of n fields, freeing them (a NULL field, which
 * a failed allocation left, is an error).
 */
extern void mat_write_struct(MbFile *file, const char *name, matvar_t **fields,
							 int n);

extern void mat_write_info(MbFile *file, const MatExportInfo *info);

/* hdaq_info of a query_to_mat file. */
extern void mat_write_query_info(MbFile *file, bool has_origin,
								 int64 origin_ns, const char *query);

#endif							/* HDAQ_MAT_INFO_H */
