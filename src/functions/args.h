/*-------------------------------------------------------------------------
 *
 * args.h
 *	  Arguments several entry points take the same way (args.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_ARGS_H
#define HDAQ_ARGS_H

#include "hdaq.h"

#include "engine/signals.h"

#include "fmgr.h"

/* A text argument as a C string; fallback (copied, may be NULL) if null. */
extern char *args_name(FunctionCallInfo fcinfo, int argno,
					   const char *fallback);

/* A tags argument: NULL if null; an error unless a JSON object. */
extern Jsonb *args_tags(FunctionCallInfo fcinfo, int argno);

/* A file_id argument that must not be null. */
extern int64 args_file_id(FunctionCallInfo fcinfo, int argno);

/*
 * The signals of a paths argument ('Topic/field.path' each), in its order,
 * NULL elements left out; an error if it is null or names none.  *nelems
 * (if not NULL) gets the array's number of elements, NULLs included.
 */
extern SignalSpec *args_signal_specs(FunctionCallInfo fcinfo, int argno,
									 int *nspecs, int *nelems);

#endif							/* HDAQ_ARGS_H */
